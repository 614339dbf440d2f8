import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// atk-split run as a program on WAV files the tests write themselves (8 kHz, short).
@Suite struct SplitTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  /// The text of a record's path key.
  func path(_ record: Record) -> String {
    String(decoding: record.path?.bytes ?? [], as: UTF8.self)
  }

  /// The samples of the WAV segments in `records`, one after another.
  func concatenated(_ records: [Record]) throws -> [Int32] {
    try records.flatMap { try TestAudio.samples(ofWAV: path($0)).samples }
  }

  @Test(arguments: [(16, 2), (24, 2), (24, 1), (16, 1)])
  func segmentsConcatenatedEqualTheSource(bits: Int, channels: Int) throws {
    let source = dir.file("take.wav")
    try TestAudio.writeWAV(
      source, frames: 8000 * 2 + 123, channels: channels, bits: bits, signal: TestAudio.noise)
    let result = try runTool("atk-split", ["0.3", "-o", dir.file("out"), source])
    #expect(result.status == 0, "\(result.stderr)")
    let records = result.records
    #expect(records.count == 7)  // 16123 frames in 2400-frame pieces: 6 full and 1723 left
    #expect(try concatenated(records) == TestAudio.samples(ofWAV: source).samples)
    for (i, record) in records.enumerated() {
      let segment = record["segment"]?.objectValue
      #expect(segment?["index"]?.intValue == Int64(i + 1))
      #expect(segment?["count"]?.intValue == 7)
      #expect(segment?["start_frame"]?.intValue == Int64(i * 2400))
      #expect(segment?["end_frame"]?.intValue == Int64(min((i + 1) * 2400, 16123)))
      #expect(record["frames"]?.intValue == Int64(i == 6 ? 1723 : 2400))
      #expect(record["encoding"]?.stringValue == "pcm_\(bits)")
      #expect(record["channels"]?.intValue == Int64(channels))
      #expect(record["source"]?.stringValue == source)
      #expect(record["origin"]?.stringValue == source)
      #expect(record["step"]?.stringValue == "split")
      #expect(record["status"]?.stringValue == "ok")
      #expect(record.part == [Record.Part(index: Int64(i + 1), count: 7)])
      let name = String(format: "take_segment_%03d.wav", i + 1)
      #expect(path(record) == dir.file("out/" + name))
      #expect(record["relpath"]?.stringValue == name)
      let size = try FileManager.default.attributesOfItem(atPath: path(record))[.size] as? Int
      #expect(record["bytes"]?.intValue == size.map(Int64.init))
    }
  }

  @Test
  func flacSegmentsConcatenatedEqualTheSource() throws {
    let source = dir.file("take.wav")
    try TestAudio.writeWAV(
      source, frames: 8000 * 2 + 5, channels: 2, bits: 24, signal: TestAudio.noise)
    let flac = try runTool("atk-convert", ["flac", "-o", dir.file("flac"), source])
    #expect(flac.status == 0, "\(flac.stderr)")
    let split = try runTool("atk-split", ["0.3", "-o", dir.file("seg")], stdin: flac.output)
    #expect(split.status == 0, "\(split.stderr)")
    #expect(split.records.count == 7)
    #expect(split.records.allSatisfy { path($0).hasSuffix(".flac") })
    #expect(split.records.allSatisfy { $0["encoding"]?.stringValue == "pcm_24" })
    let back = try runTool("atk-convert", ["wav", "-o", dir.file("back")], stdin: split.output)
    #expect(back.status == 0, "\(back.stderr)")
    #expect(try concatenated(back.records) == TestAudio.samples(ofWAV: source).samples)
  }

  @Test
  func mp3IsReencodedAtItsOwnBitrate() throws {
    let source = dir.file("talk.wav")
    try TestAudio.writeWAV(
      source, frames: 16000 * 3 + 4000, sampleRate: 16000, channels: 2,
      signal: TestAudio.sine(440, sampleRate: 16000))
    let mp3 = try runTool("atk-convert", ["mp3", "--bitrate", "64", "-o", dir.file("mp3"), source])
    #expect(mp3.status == 0, "\(mp3.stderr)")
    let split = try runTool("atk-split", ["1", "-o", dir.file("seg")], stdin: mp3.output)
    #expect(split.status == 0, "\(split.stderr)")
    let records = split.records
    #expect(records.map { $0["frames"]?.intValue } == [16000, 16000, 16000, 4000])
    #expect(records.allSatisfy { path($0).hasSuffix(".mp3") && $0["format"]?.stringValue == "mp3" })
    for record in records.prefix(3) {
      let bitrate = record["bitrate"]?.intValue ?? 0
      #expect(bitrate >= 56 && bitrate <= 76, "bitrate \(bitrate)")
    }
    // Each segment decodes to its length, within one MP3 frame.
    let scan = try runTool("atk-scan", records.map(path))
    for (segment, scanned) in zip(records, scan.records) {
      let want = segment["frames"]?.intValue ?? 0
      let got = scanned["frames"]?.intValue ?? 0
      #expect(abs(got - want) <= 1152, "\(path(segment)): \(got) frames, want \(want)")
    }
  }

  @Test func untaggedVbrMp3IsSplitToTheEnd() throws {
    let mp3 = dir.file("notag.mp3")
    try TestAudio.writeUntaggedVbrMP3(mp3)
    // Without a Xing/LAME tag nothing is trimmed: every input frame plus delay and padding.
    let scanned = try #require(try runTool("atk-scan", [mp3]).records.first?["frames"]?.intValue)
    #expect(scanned >= 24000 && scanned < 24000 + 3 * 1152)
    let result = try runTool("atk-split", ["1", "-o", dir.file("o"), mp3])
    #expect(result.status == 0, "\(result.stderr)")
    let pieces = result.records.compactMap { $0["frames"]?.intValue }
    #expect(pieces.reduce(0, +) == scanned, "libsndfile alone stops at its estimate")
    // The encoder's delay and padding past the 3 s of audio join the last second rather than
    // making a fourth segment of their own (issue 6.1).
    #expect(pieces.count == 3)
  }

  @Test func tenSecondsByOneAndByThree() throws {
    // The issue's 10-minute file split by 60 and by 180, scaled down to 10 s by 1 and 3.
    let source = dir.file("ten.wav")
    try TestAudio.writeWAV(source, frames: 80_000)
    let byOne = try runTool("atk-split", ["1", "-o", dir.file("one"), source])
    #expect(byOne.status == 0)
    #expect(byOne.records.map { $0["frames"]?.intValue } == Array(repeating: 8000, count: 10))
    #expect(byOne.records.map { $0["duration"]?.doubleValue } == Array(repeating: 1.0, count: 10))
    let byThree = try runTool("atk-split", ["3", "-o", dir.file("three"), source])
    #expect(byThree.status == 0)
    #expect(byThree.records.map { $0["duration"]?.doubleValue } == [3.0, 3.0, 3.0, 1.0])
    #expect(files(below: dir.file("three")) == (1...4).map { "ten_segment_00\($0).wav" })
  }

  @Test func shorterThanTheLengthGivesOneSegmentAndAWarning() throws {
    let source = dir.file("short.wav")
    try TestAudio.writeWAV(source, frames: 4000)
    let result = try runTool("atk-split", ["1", "-o", dir.file("out"), source])
    #expect(result.status == 0)
    #expect(result.records.count == 1)
    #expect(result.records.first?["frames"]?.intValue == 4000)
    #expect(result.records.first?.part == [Record.Part(index: 1, count: 1)])
    #expect(result.stderr.contains("atk-split: warning: '\(source)': shorter than 1 s (0.5 s)"))
    let quiet = try runTool("atk-split", ["1", "-q", "-o", dir.file("out"), source])
    #expect(quiet.stderr.isEmpty)
  }

  @Test func minLastMergesAShortFinalPiece() throws {
    let source = dir.file("ten.wav")
    try TestAudio.writeWAV(source, frames: 80_000, signal: TestAudio.noise)
    let merged = try runTool(
      "atk-split", ["3", "--min-last", "1.5", "-o", dir.file("merged"), source])
    #expect(merged.status == 0)
    #expect(merged.records.map { $0["frames"]?.intValue } == [24000, 24000, 32000])
    #expect(merged.records.last?["segment"]?.objectValue?["end_frame"]?.intValue == 80000)
    #expect(try concatenated(merged.records) == TestAudio.samples(ofWAV: source).samples)
    let kept = try runTool("atk-split", ["3", "--min-last", "1", "-o", dir.file("kept"), source])
    #expect(kept.records.map { $0["frames"]?.intValue } == [24000, 24000, 24000, 8000])
  }

  @Test func namesWidenPastNineHundredNinetyNineSegments() throws {
    let source = dir.file("many.wav")
    try TestAudio.writeWAV(source, frames: 8 * 1001 + 3, signal: TestAudio.noise)
    let result = try runTool("atk-split", ["0.001", "-o", dir.file("out"), source])
    #expect(result.status == 0)
    let records = result.records
    #expect(records.count == 1002)
    #expect(path(records[0]) == dir.file("out/many_segment_0001.wav"))
    #expect(path(records[999]) == dir.file("out/many_segment_1000.wav"))
    #expect(records[1001]["frames"]?.intValue == 3)
    #expect(files(below: dir.file("out")).count == 1002)
    #expect(try concatenated(records) == TestAudio.samples(ofWAV: source).samples)
  }

  @Test func nestedSplitAddsAPartLevelAndKeepsUnknownKeys() throws {
    let source = dir.file("nest.wav")
    try TestAudio.writeWAV(source, frames: 8000 * 4, signal: TestAudio.noise)
    let input =
      #"{"path":"\#(source)","origin":"raw/nest.wav","relpath":"talks/nest.wav","#
      + #""custom":{"keep":[1,2]},"encoder_delay":576}"# + "\n"
    let first = try runTool("atk-split", ["2", "-o", dir.file("a")], stdin: input)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.records.count == 2)
    #expect(first.records.first?["relpath"]?.stringValue == "talks/nest_segment_001.wav")
    #expect(first.records.first.map(path) == dir.file("a/talks/nest_segment_001.wav"))
    #expect(first.records.first?["encoder_delay"] == nil)
    let second = try runTool("atk-split", ["1", "-o", dir.file("b")], stdin: first.output)
    #expect(second.status == 0, "\(second.stderr)")
    let records = second.records
    #expect(records.count == 4)
    #expect(
      records.map(\.part) == [
        [.init(index: 1, count: 2), .init(index: 1, count: 2)],
        [.init(index: 1, count: 2), .init(index: 2, count: 2)],
        [.init(index: 2, count: 2), .init(index: 1, count: 2)],
        [.init(index: 2, count: 2), .init(index: 2, count: 2)],
      ])
    #expect(records.allSatisfy { $0["origin"]?.stringValue == "raw/nest.wav" })
    #expect(records.allSatisfy { $0["custom"] == .object(["keep": .array([1, 2])]) })
    #expect(records[3]["relpath"]?.stringValue == "talks/nest_segment_002_segment_002.wav")
    #expect(records[3]["source"]?.stringValue == dir.file("a/talks/nest_segment_002.wav"))
    // The second split's segment frames count within its own input.
    #expect(records[3]["segment"]?.objectValue?["start_frame"]?.intValue == 8000)
    #expect(try concatenated(records) == TestAudio.samples(ofWAV: source).samples)
  }

  @Test func recordsCarryTheFilesTagsWhateverTheInputForm() throws {
    let source = dir.file("tagged.wav")
    try TestAudio.writeTaggedWAV(
      source, frames: 8000, tags: [("INAM", "A Title"), ("IART", "Some Artist")])
    let tags = JSONValue.object(["title": "A Title", "artist": "Some Artist"])
    let forms: [(String, [String], String)] = [
      ("argument", [source], ""),
      ("plain path line", [], source + "\n"),
      ("record without tags", [], #"{"path":"\#(source)"}"# + "\n"),
      ("record with stale tags", [], #"{"path":"\#(source)","tags":{"title":"Old"}}"# + "\n"),
    ]
    for (index, (form, arguments, input)) in forms.enumerated() {
      let result = try runTool(
        "atk-split", ["0.5", "-o", dir.file("out\(index)")] + arguments, stdin: input)
      #expect(result.status == 0, "\(form): \(result.stderr)")
      #expect(result.records.count == 2, "\(form)")
      #expect(result.records.allSatisfy { $0["tags"] == tags }, "\(form): \(result.output)")
    }
  }

  @Test func aBadJSONLineMidStreamFailsAloneAndTheRestGoesOn() throws {
    let a = dir.file("a.wav")
    let b = dir.file("b.wav")
    try TestAudio.writeWAV(a, frames: 8000)
    try TestAudio.writeWAV(b, frames: 8000)
    let input = "\(a)\n{\"path\": oops\n{\"path\":\"\(b)\"}\n"
    let result = try runTool("atk-split", ["0.5", "-o", dir.file("out")], stdin: input)
    #expect(result.status == 1)
    let records = result.records
    #expect(records.count == 5)
    #expect(records[2]["status"]?.stringValue == "failed")
    #expect(records[2]["error"]?.objectValue?["code"]?.stringValue == "bad_record")
    #expect(records[2]["line"]?.intValue == 2)
    #expect(records[3]["source"]?.stringValue == b)
    #expect(result.stderr.contains("atk-split: error: line 2:"))
  }

  @Test func aMissingFileFailsItsRecord() throws {
    let good = dir.file("good.wav")
    try TestAudio.writeWAV(good, frames: 800)
    let missing = dir.file("missing.wav")
    let result = try runTool("atk-split", ["1", "-o", dir.file("out"), missing, good])
    #expect(result.status == 1)
    #expect(result.records.count == 2)
    #expect(result.records[0]["error"]?.objectValue?["code"]?.stringValue == "not_found")
    #expect(result.records[0]["step"]?.stringValue == "split")
    #expect(result.records[0]["part"] == nil)
    #expect(result.records[1]["status"]?.stringValue == "ok")
    #expect(result.stderr.contains("'\(missing)'"))
  }

  @Test func failedRecordsPassThroughUntouched() throws {
    let line =
      #"{"error":{"code":"corrupt","message":"x"},"origin":"o.wav","path":"o.wav","#
      + #""status":"failed","step":"scan"}"#
    let result = try runTool("atk-split", ["1", "-o", dir.file("out")], stdin: line + "\n")
    #expect(result.status == 0)
    #expect(result.output == line + "\n")
  }

  @Test func stdoutToDevFullIsTrouble() throws {
    let source = dir.file("a.wav")
    try TestAudio.writeWAV(source, frames: 8000)
    let result = try runTool(
      "atk-split", ["0.1", "-o", dir.file("out"), source], stdoutPath: "/dev/full")
    #expect(result.status == 2)
    #expect(result.stderr.contains("atk-split: error:"))
  }

  @Test func badCommandLinesAreUsageErrors() throws {
    for arguments in [
      ["1", "--no-such-flag"], ["0"], ["-2"], ["abc"], ["1", "--format", "aac"], [],
    ] {
      let result = try runTool("atk-split", arguments)
      #expect(result.status == 64, "\(arguments)")
      #expect(result.stdout.isEmpty, "\(arguments)")
    }
  }

  @Test func anUnwritableOutputFolderFailsEachRecord() throws {
    let source = dir.file("a.wav")
    try TestAudio.writeWAV(source, frames: 8000)
    FileManager.default.createFile(atPath: dir.file("plain"), contents: Data("x".utf8))
    let result = try runTool("atk-split", ["0.5", "-o", dir.file("plain/out"), source])
    #expect(result.status == 1)
    #expect(result.records.count == 1)
    #expect(result.records[0]["error"]?.objectValue?["code"]?.stringValue == "cannot_write")
    #expect(result.stderr.contains("atk-split: error: '\(source)': cannot create"))
  }

  @Test func twoInputsWithTheSameNamesCollide() throws {
    try FileManager.default.createDirectory(
      atPath: dir.file("x"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      atPath: dir.file("y"), withIntermediateDirectories: true)
    try TestAudio.writeWAV(dir.file("x/take.wav"), frames: 8000, signal: TestAudio.noise)
    try TestAudio.writeWAV(dir.file("y/take.wav"), frames: 8000)
    let result = try runTool(
      "atk-split",
      [
        "0.5", "-j", "1", "-o", dir.file("out"), dir.file("x/take.wav"),
        dir.file("y/take.wav"),
      ])
    #expect(result.status == 1)
    #expect(result.records.count == 3)
    #expect(result.records[2]["error"]?.objectValue?["code"]?.stringValue == "output_collision")
    // The first input's segments are intact.
    #expect(
      try concatenated(Array(result.records.prefix(2)))
        == TestAudio.samples(ofWAV: dir.file("x/take.wav")).samples)
  }

  @Test func aRelpathLeadingOutOfTheOutputFolderIsABadRecord() throws {
    let source = dir.file("a.wav")
    try TestAudio.writeWAV(source, frames: 800)
    let input = #"{"path":"\#(source)","relpath":"../../escape/a.wav"}"# + "\n"
    let result = try runTool("atk-split", ["1", "-o", dir.file("out/deep")], stdin: input)
    #expect(result.status == 1)
    #expect(result.records.first?["error"]?.objectValue?["code"]?.stringValue == "bad_record")
    #expect(files(below: dir.path).filter { $0.contains("segment") }.isEmpty)
  }

  @Test func oddNamesAndATruncatedFile() throws {
    let odd = dir.file("-it's a \"take\" #1.wav")
    try TestAudio.writeWAV(odd, frames: 8000)
    let cut = dir.file("cut.wav")
    let bytes = TestAudio.wav(frames: 8000)
    try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: cut))
    let result = try runTool(
      "atk-split", ["0.5", "-o", dir.file("out")], stdin: "\(odd)\n\(cut)\n")
    #expect(result.status == 1)
    #expect(result.records.count == 3)
    #expect(path(result.records[0]) == dir.file("out/-it's a \"take\" #1_segment_001.wav"))
    #expect(result.records[2]["error"]?.objectValue?["code"]?.stringValue == "truncated")
  }

  @Test func jobsTwoGivesTheSameOutputAsJobsOne() throws {
    var inputs: [String] = []
    for i in 0..<5 {
      let source = dir.file("in\(i).wav")
      try TestAudio.writeWAV(source, frames: 3000 + 977 * i, channels: 2, signal: TestAudio.noise)
      inputs.append(source)
    }
    let one = try runTool("atk-split", ["0.2", "-j", "1", "-o", dir.file("out")] + inputs)
    let two = try runTool("atk-split", ["0.2", "-j", "2", "-o", dir.file("out")] + inputs)
    #expect(one.status == 0)
    #expect(one.stdout == two.stdout)
  }

  @Test func sigintStopsWithNoPartialFilesOrSets() throws {
    var inputs: [String] = []
    for i in 0..<3 {
      let source = dir.file("long\(i).wav")
      try TestAudio.writeWAV(source, frames: 8000 * 60, signal: TestAudio.noise)
      inputs.append(source)
    }
    let out = dir.file("out")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: toolDirectory + "/atk-split")
    process.arguments = ["0.002", "-j", "1", "-o", out] + inputs
    let stdoutURL = URL(fileURLWithPath: dir.file("stdout"))
    _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Wait until it is writing segments, then interrupt it.
    let deadline = Date().addingTimeInterval(30)
    while files(below: out).count < 50 && Date() < deadline { usleep(10_000) }
    process.interrupt()
    process.waitUntilExit()
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 130)
    let written = files(below: out)
    #expect(!written.contains { $0.hasSuffix(".atk-tmp") })
    // Whatever stayed belongs to inputs whose records came out, and is complete.
    let stdout = try Data(contentsOf: stdoutURL)
    let records = stdout.split(separator: 0x0A).compactMap { try? Record(line: Array($0)) }
    #expect(written == records.map { String(path($0).dropFirst(out.count + 1)) }.sorted())
    #expect(records.count < 3 * 30_000)
    if let last = records.last {
      #expect(last["segment"]?.objectValue?["index"] == last["segment"]?.objectValue?["count"])
    }
  }
}
