import ATKRecords
import Testing

@Suite struct RecordTests {
  @Test func unknownKeysPassThroughUnchanged() throws {
    let line =
      #"{"custom":{"deep":[1,{"x":null}],"n":9007199254740993},"path":"a.wav","z_extra":"keep me"}"#
    var record = try Record(line: Array(line.utf8))
    record.path = RawPath("b.wav")
    record[Record.Key.frames] = 42
    var out: [UInt8] = []
    record.encode(into: &out)
    #expect(
      String(decoding: out, as: UTF8.self)
        == #"{"custom":{"deep":[1,{"x":null}],"n":9007199254740993},"frames":42,"path":"b.wav","z_extra":"keep me"}"#
        + "\n")
  }

  @Test func encodeThenParseGivesTheSameRecord() throws {
    let record = Record([
      "path": .bytes([0x2F, 0xFF]), "frames": .int(Int64.max), "duration": 1.25,
      "tags": .object(["title": "Quote \" and \\ and \n"]), "part": .array([]), "ok": true,
    ])
    var out: [UInt8] = []
    record.encode(into: &out)
    #expect(out.last == 0x0A)
    #expect(out.dropLast().contains(0x0A) == false, "one line")
    #expect(try Record(line: Array(out.dropLast())) == record)
    #expect(record.jsonLine == String(decoding: out.dropLast(), as: UTF8.self))
  }

  @Test func aLineMustBeAnObject() {
    for text in ["[1,2]", "\"a.wav\"", "42", "null"] {
      do {
        _ = try Record(line: Array(text.utf8))
        Issue.record("'\(text)' was accepted as a record")
      } catch {
        #expect(error.reason.contains("object"), "\(error)")
      }
    }
  }

  @Test func pathRecordSetsPathOriginAndRelpath() {
    let path = RawPath(bytes: [0x64, 0x2F, 0x61, 0xFF, 0x2E, 0x77, 0x61, 0x76])
    let record = Record(path: path)
    #expect(record.path == path)
    #expect(record.origin == path)
    #expect(record.relpath == RawPath(bytes: [0x61, 0xFF, 0x2E, 0x77, 0x61, 0x76]))
    #expect(record.fields.count == 3)
    #expect(record[Record.Key.path] == .bytes(path.bytes))
  }

  @Test func missingOriginAndRelpathComeFromThePath() {
    var bare = Record(["path": "in/a.wav", "x": 1])
    bare.setMissingOriginAndRelpath()
    #expect(bare.jsonLine == #"{"origin":"in/a.wav","path":"in/a.wav","relpath":"a.wav","x":1}"#)
    let given = Record(["origin": "first.wav", "path": "in/a.wav", "relpath": "k/a.wav"])
    var kept = given
    kept.setMissingOriginAndRelpath()
    #expect(kept == given)
    var pathless = Record(["x": 1])
    pathless.setMissingOriginAndRelpath()
    #expect(pathless == Record(["x": 1]))
  }

  @Test func pathsRoundTripThroughTheWire() throws {
    let names: [[UInt8]] = [
      Array("plain.wav".utf8), Array("with \"quotes\" and 'single'.wav".utf8),
      Array("new\nline.wav".utf8), Array("-x.wav".utf8), [0x62, 0x61, 0x64, 0xFF, 0xFE],
      Array("tab\there\u{7F}.wav".utf8), [0xC3, 0x28], Array("é😀.wav".utf8),
    ]
    for name in names {
      var record = Record(path: RawPath(bytes: name))
      record.relpath = RawPath(bytes: name)
      var out: [UInt8] = []
      record.encode(into: &out)
      let back = try Record(line: Array(out.dropLast()))
      #expect(back.path?.bytes == name)
      #expect(back.origin?.bytes == name)
      #expect(back.relpath?.bytes == name)
    }
  }

  @Test func failedKeepsEveryOtherKey() {
    var record = Record(path: RawPath("a.wav"))
    record["custom"] = "x"
    record.part = [.init(index: 2, count: 3)]
    let failed = record.failed(code: .truncated, message: "cut short", step: "scan")
    #expect(failed.isFailed)
    #expect(failed.isTerminal)
    #expect(failed["custom"] == "x")
    #expect(failed.origin == RawPath("a.wav"))
    #expect(failed.part == [.init(index: 2, count: 3)])
    #expect(failed[Record.Key.step] == "scan")
    #expect(failed[Record.Key.status] == "failed")
    #expect(failed.errorInfo?.code == "truncated")
    #expect(failed.errorInfo?.message == "cut short")
    #expect(record.errorInfo == nil)
  }

  @Test func errorInfoToleratesAMissingErrorObject() {
    let record = Record(["status": "failed"])
    #expect(record.errorInfo?.code == "unknown")
    #expect(record.errorInfo?.message == "failed")
  }

  @Test func droppedRecordsAreTerminal() {
    #expect(Record(["dropped": "silent"]).isTerminal)
    #expect(Record(["dropped": true]).isDropped)
    #expect(!Record(["dropped": false]).isDropped)
    #expect(!Record(["dropped": .null]).isDropped)
    #expect(!Record(["status": "ok"]).isTerminal)
  }

  @Test func partRoundTripsAndEmptyRemovesTheKey() {
    var record = Record()
    record.part = [.init(index: 1, count: 2), .init(index: 3, count: 10)]
    #expect(
      record.jsonLine == #"{"part":[{"count":2,"index":1},{"count":10,"index":3}]}"#)
    #expect(record.part.map(\.description) == ["1/2", "3/10"])
    record.part = []
    #expect(record[Record.Key.part] == nil)
    #expect(Record(["part": "junk"]).part == [])
  }

  @Test func keyConstantsAreSnakeCaseAndUnique() {
    #expect(Set(Record.Key.all).count == Record.Key.all.count)
    for key in Record.Key.all {
      #expect(key.allSatisfy { $0.isLowercase || $0 == "_" }, "\(key)")
    }
    #expect(Record.Key.sampleRate == "sample_rate")
    #expect(Record.Key.encoderDelay == "encoder_delay")
  }
}
