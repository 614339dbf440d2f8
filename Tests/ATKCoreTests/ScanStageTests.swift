import ATKKit
import ATKRecords
import ATKScanning
import ATKTestSupport
import Testing

/// Runs the scan stage on one record in-process and returns what it emitted.
func scan(_ record: Record, verify: Bool = false) -> [Record] {
  var options = ScanStage.Options()
  options.verify = verify
  let stage = ScanStage(options: options)
  let context = StageContext(line: 1, diagnostics: Diagnostics(tool: "atk-scan", quiet: true))
  var out: [Record] = []
  stage.process(record, context: context) { out.append($0) }
  return out
}

/// A WAV whose LIST/INFO chunk carries a title and an artist.
func taggedWAV(frames: Int) -> [UInt8] {
  var bytes = TestAudio.wav(frames: frames)
  func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
  func subchunk(_ id: String, _ text: String) -> [UInt8] {
    var body = Array(text.utf8) + [0]
    if body.count % 2 == 1 { body.append(0) }
    return Array(id.utf8) + u32(body.count) + body
  }
  let info = Array("INFO".utf8) + subchunk("INAM", "Test Title") + subchunk("IART", "Some Artist")
  bytes += Array("LIST".utf8) + u32(info.count) + info
  let riffSize = bytes.count - 8
  bytes.replaceSubrange(4..<8, with: u32(riffSize))
  return bytes
}

@Suite struct ScanStageTests {
  @Test func statesTheFactsAndKeepsEveryOtherKey() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("tone.wav")
    try TestFiles.wav(path, frames: 6000, channels: 2)
    var input = Record(path: path)
    input["custom"] = .object(["keep": .array([1, 2, 3])])
    input["frames"] = 1  // stale facts are replaced
    let out = scan(input)
    try #require(out.count == 1)
    let record = out[0]
    #expect(record["custom"] == .object(["keep": .array([1, 2, 3])]))
    #expect(record[Record.Key.status] == "ok")
    #expect(record[Record.Key.step] == "scan")
    #expect(record[Record.Key.format] == "wav")
    #expect(record[Record.Key.encoding] == "pcm_16")
    #expect(record[Record.Key.frames] == .int(6000))
    #expect(record[Record.Key.sampleRate] == .int(8000))
    #expect(record[Record.Key.channels] == .int(2))
    #expect(record[Record.Key.duration] == .double(0.75))
    #expect(record[Record.Key.bytes] == .int(44 + 6000 * 4))
    #expect(record[Record.Key.bitrate] == nil, "no bit rate for PCM")
    #expect(record.origin == path)
    #expect(record.relpath == RawPath("tone.wav"))
    #expect(record[Record.Key.error] == nil)
  }

  @Test func givenOriginAndRelpathAreKept() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("x.wav")
    try TestFiles.wav(path)
    var input = Record(path: path)
    input.origin = RawPath("/elsewhere/first.wav")
    input.relpath = RawPath("album/x.wav")
    let record = try #require(scan(input).first)
    #expect(record.origin == RawPath("/elsewhere/first.wav"))
    #expect(record.relpath == RawPath("album/x.wav"))
  }

  @Test func tagsAreRead() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("tagged.wav")
    try TestFiles.write(path, taggedWAV(frames: 100))
    let record = try #require(scan(Record(path: path)).first)
    #expect(record[Record.Key.frames] == .int(100))
    #expect(record[Record.Key.tags] == .object(["title": "Test Title", "artist": "Some Artist"]))
  }

  @Test func durationIsRoundedToTheMicrosecond() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("odd.wav")
    try TestFiles.wav(path, frames: 1001, rate: 44100)
    let record = try #require(scan(Record(path: path)).first)
    #expect(record[Record.Key.frames] == .int(1001))
    #expect(record[Record.Key.duration] == .double(0.022698))
  }

  @Test func badFileBecomesAFailedRecordWithItsCode() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("empty.wav")
    try TestFiles.write(path, [])
    var input = Record(path: path)
    input["custom"] = "kept"
    let record = try #require(scan(input).first)
    #expect(record.isFailed)
    #expect(record.errorInfo?.code == "empty_file")
    #expect(record[Record.Key.step] == "scan")
    #expect(record["custom"] == "kept")
    #expect(record.origin == path)
    #expect(record[Record.Key.frames] == nil)
  }

  @Test func recordWithoutPathIsABadRecord() {
    let out = scan(Record(["custom": 1]))
    #expect(out.count == 1)
    #expect(out.first?.errorInfo?.code == "bad_record")
    #expect(out.first?["custom"] == 1)
  }

  @Test func verifyAcceptsAGoodFile() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("tone.wav")
    try TestFiles.wav(path, frames: 20000)
    let record = try #require(scan(Record(path: path), verify: true).first)
    #expect(record[Record.Key.frames] == .int(20000))
    #expect(!record.isFailed)
  }

  @Test func nonUTF8PathKeepsItsBytes() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending(RawPath(bytes: [0xE9, 0x2E, 0x77, 0x61, 0x76]))
    try TestFiles.wav(path)
    let record = try #require(scan(Record(path: path)).first)
    #expect(!record.isFailed)
    #expect(record.path == path)
    #expect(record.relpath?.bytes == [0xE9, 0x2E, 0x77, 0x61, 0x76])
  }
}
