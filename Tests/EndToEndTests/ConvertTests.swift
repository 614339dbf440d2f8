import ATKRecords
import ATKTestSupport
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// atk-convert run as a program on audio the tests write themselves (8 kHz, short).
@Suite struct ConvertTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  /// The text of a record's path key.
  func path(_ record: Record) -> String {
    String(decoding: record.path?.bytes ?? [], as: UTF8.self)
  }

  func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

  /// RMS level of samples at `bits` bits, in dB below full scale.
  func rmsDecibels(_ samples: [Int32], bits: Int) -> Double {
    let scale = Double(1 << (bits - 1))
    let sum = samples.reduce(0.0) { $0 + (Double($1) / scale) * (Double($1) / scale) }
    return 10 * log10(sum / Double(max(1, samples.count)))
  }

  /// The scan record of one file.
  func scan(_ file: String) throws -> Record? {
    try runTool("atk-scan", [file]).records.first
  }

  /// A 16-bit PCM WAV with a LIST/INFO chunk holding title, artist, album and comment.
  func writeTaggedWAV(_ file: String, frames: Int, tags: [(String, String)]) throws {
    try TestAudio.writeTaggedWAV(file, frames: frames, tags: tags.map { (id: $0.0, text: $0.1) })
  }

  // MARK: - Lossless

  @Test(arguments: [(16, 2), (24, 2), (16, 1), (24, 1)])
  func wavToFlacToWavIsBitExact(bits: Int, channels: Int) throws {
    let source = dir.file("take.wav")
    try TestAudio.writeWAV(
      source, frames: 8000 + 77, channels: channels, bits: bits, signal: TestAudio.noise)
    let flac = try runTool("atk-convert", ["flac", "-o", dir.file("flac"), source])
    #expect(flac.status == 0, "\(flac.stderr)")
    let record = try #require(flac.records.first)
    #expect(path(record) == dir.file("flac/take.flac"))
    #expect(record["format"]?.stringValue == "flac")
    #expect(record["encoding"]?.stringValue == "pcm_\(bits)")
    #expect(record["frames"]?.intValue == 8077)
    #expect(record["reencoded"] == .bool(true))
    #expect(record["source"]?.stringValue == source)
    #expect(record["origin"]?.stringValue == source)
    #expect(record["relpath"]?.stringValue == "take.flac")
    #expect(record["step"]?.stringValue == "convert")

    // Back to WAV, through the record on standard input.
    let wav = try runTool(
      "atk-convert", ["wav", "-o", dir.file("wav")], stdin: record.jsonLine + "\n")
    #expect(wav.status == 0, "\(wav.stderr)")
    let back = try #require(wav.records.first)
    #expect(back["origin"]?.stringValue == source)
    let original = try TestAudio.samples(ofWAV: source)
    let roundTrip = try TestAudio.samples(ofWAV: path(back))
    #expect(roundTrip.format == original.format)
    #expect(roundTrip.samples == original.samples)
  }

  @Test func floatWavBackTo16BitsIsExact() throws {
    let source = dir.file("a.wav")
    try TestAudio.writeWAV(source, frames: 4000, channels: 2, signal: TestAudio.noise)
    let float = try runTool("atk-convert", ["wav", "--bits", "32f", "-o", dir.file("f"), source])
    #expect(float.records.first?["encoding"]?.stringValue == "float")
    let back = try runTool(
      "atk-convert", ["wav", "--bits", "16", "-o", dir.file("i"), dir.file("f/a.wav")])
    #expect(back.status == 0, "\(back.stderr)")
    #expect(
      try TestAudio.samples(ofWAV: dir.file("i/a.wav")).samples
        == TestAudio.samples(ofWAV: source).samples)
  }

  @Test func twentyFourBitsTo16AreRounded() throws {
    let source = dir.file("a.wav")
    try TestAudio.writeWAV(source, frames: 2000, bits: 24, signal: TestAudio.noise)
    let result = try runTool("atk-convert", ["wav", "--bits", "16", "-o", dir.file("o"), source])
    #expect(result.status == 0, "\(result.stderr)")
    let wide = try TestAudio.samples(ofWAV: source).samples
    let narrow = try TestAudio.samples(ofWAV: dir.file("o/a.wav")).samples
    // Rounded to the nearest, halves up (as sox does without dither).
    let expected = wide.map { Int32(min(32767, (Double($0) / 256 + 0.5).rounded(.down))) }
    #expect(narrow == expected)
  }

  // MARK: - MP3

  @Test(arguments: [["--bitrate", "32"], [], ["--quality", "5"]])
  func mp3IsGaplessThroughTheLameTag(settings: [String]) throws {
    let source = dir.file("tone.wav")
    try TestAudio.writeWAV(source, frames: 8000 + 321, channels: 2)
    let result = try runTool("atk-convert", ["mp3", "-o", dir.file("mp3")] + settings + [source])
    #expect(result.status == 0, "\(result.stderr)")
    let record = try #require(result.records.first)
    #expect(record["format"]?.stringValue == "mp3")
    #expect(record["frames"]?.intValue == 8321)
    #expect((record["encoder_delay"]?.intValue ?? 0) > 0)
    #expect(record["encoder_padding"]?.intValue != nil)
    if settings.first == "--bitrate" { #expect(record["bitrate"]?.intValue == 32) }
    let size = try FileManager.default.attributesOfItem(atPath: path(record))[.size] as? Int
    #expect(record["bytes"]?.intValue == size.map(Int64.init))

    // Decoders that read the LAME tag give back exactly the frames that went in.
    let scanned = try #require(try scan(path(record)))
    #expect(scanned["frames"]?.intValue == 8321)
    #expect(scanned["sample_rate"]?.intValue == 8000)
    #expect(scanned["channels"]?.intValue == 2)

    // Level within 1 dB of the source's.
    let decoded = try runTool("atk-convert", ["wav", "-o", dir.file("dec"), path(record)])
    #expect(decoded.status == 0, "\(decoded.stderr)")
    let before = rmsDecibels(try TestAudio.samples(ofWAV: source).samples, bits: 16)
    let after = try TestAudio.samples(ofWAV: dir.file("dec/tone.wav"))
    #expect(after.samples.count == 8321 * 2)
    #expect(abs(rmsDecibels(after.samples, bits: 16) - before) < 1.0)
  }

  @Test func mp3FromMonoAnd24Bits() throws {
    let source = dir.file("m.wav")
    try TestAudio.writeWAV(source, frames: 5000, channels: 1, bits: 24)
    let result = try runTool("atk-convert", ["mp3", "-o", dir.file("o"), source])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try scan(dir.file("o/m.mp3"))?["frames"]?.intValue == 5000)
    #expect(result.records.first?["channels"]?.intValue == 1)
  }

  @Test func untaggedVbrMp3IsReadToTheEnd() throws {
    let mp3 = dir.file("notag.mp3")
    try TestAudio.writeUntaggedVbrMP3(mp3)
    let result = try runTool("atk-convert", ["wav", "-o", dir.file("o"), dir.file("notag.mp3")])
    #expect(result.status == 0, "\(result.stderr)")
    // Without a tag nothing is trimmed: at least every input frame, plus delay and padding.
    let frames = try #require(result.records.first?["frames"]?.intValue)
    #expect(frames >= 24000 && frames < 24000 + 3 * 1152)
  }

  // MARK: - Rate, channels, tags, Opus

  @Test(arguments: [(8000, 11025), (8000, 44100), (44100, 8000), (8000, 16000)])
  func sampleRateConversionGivesTheExpectedLength(from: Int, to: Int) throws {
    let source = dir.file("a.wav")
    let frames = from == 8000 ? 7919 : 44100 / 2 + 7
    try TestAudio.writeWAV(source, frames: frames, sampleRate: from, channels: 2)
    let result = try runTool(
      "atk-convert", ["wav", "--sample-rate", "\(to)", "-o", dir.file("o"), source])
    #expect(result.status == 0, "\(result.stderr)")
    let expected = (Double(frames) * Double(to) / Double(from)).rounded()
    let record = try #require(result.records.first)
    let got = Double(record["frames"]?.intValue ?? 0)
    #expect(abs(got - expected) <= 1)
    #expect(record["sample_rate"]?.intValue == Int64(to))
    let wav = try TestAudio.samples(ofWAV: dir.file("o/a.wav"))
    #expect(wav.format.rate == to)
    #expect(Double(wav.samples.count / 2) == got)
    // A 440 Hz sine keeps its level through the resampler (within 0.5 dB).
    let before = rmsDecibels(try TestAudio.samples(ofWAV: source).samples, bits: 16)
    #expect(abs(rmsDecibels(wav.samples, bits: 16) - before) < 0.5)
  }

  @Test func channelsUpAndDown() throws {
    let mono = dir.file("mono.wav")
    try TestAudio.writeWAV(mono, frames: 3000, channels: 1, signal: TestAudio.noise)
    let up = try runTool("atk-convert", ["wav", "--channels", "2", "-o", dir.file("up"), mono])
    #expect(up.status == 0, "\(up.stderr)")
    #expect(up.records.first?["channels"]?.intValue == 2)
    let source = try TestAudio.samples(ofWAV: mono).samples
    let stereo = try TestAudio.samples(ofWAV: dir.file("up/mono.wav"))
    #expect(stereo.format.channels == 2)
    #expect(stereo.samples == source.flatMap { [$0, $0] })

    let down = try runTool(
      "atk-convert", ["wav", "--channels", "1", "-o", dir.file("down"), dir.file("up/mono.wav")])
    #expect(down.status == 0, "\(down.stderr)")
    #expect(down.records.first?["frames"]?.intValue == 3000)
    #expect(try TestAudio.samples(ofWAV: dir.file("down/mono.wav")).samples == source)
  }

  @Test func tagsAreCarriedAcross() throws {
    let source = dir.file("song.wav")
    let tags = [("INAM", "Title é"), ("IART", "Artist ✓"), ("IPRD", "Album"), ("ICMT", "Note")]
    try writeTaggedWAV(source, frames: 4000, tags: tags)
    let expected: [String: JSONValue] = [
      "title": "Title é", "artist": "Artist ✓", "album": "Album", "comment": "Note",
    ]
    #expect(try scan(source)?["tags"]?.objectValue == expected)
    for format in ["flac", "mp3", "ogg", "opus"] {
      let result = try runTool("atk-convert", [format, "-o", dir.file(format), source])
      #expect(result.status == 0, "\(format): \(result.stderr)")
      #expect(result.records.first?["tags"]?.objectValue == expected, "\(format)")
      #expect(
        try scan(dir.file("\(format)/song.\(format)"))?["tags"]?.objectValue == expected,
        "\(format)")
    }
  }

  @Test func opusAt44100IsResampledTo48000() throws {
    let source = dir.file("a.wav")
    try TestAudio.writeWAV(source, frames: 4410 * 3, sampleRate: 44100, channels: 2)
    let result = try runTool("atk-convert", ["opus", "-v", "-o", dir.file("o"), source])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("48000"))
    let record = try #require(result.records.first)
    #expect(record["sample_rate"]?.intValue == 48000)
    #expect(record["frames"]?.intValue == 14400)
    let scanned = try #require(try scan(dir.file("o/a.opus")))
    #expect(scanned["format"]?.stringValue == "opus")
    #expect(scanned["sample_rate"]?.intValue == 48000)
    #expect(scanned["frames"]?.intValue == 14400)
  }

  @Test func oggVorbisKeepsTheLength() throws {
    let source = dir.file("a.wav")
    try TestAudio.writeWAV(source, frames: 6001)
    let result = try runTool("atk-convert", ["ogg", "--quality", "3", "-o", dir.file("o"), source])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try scan(dir.file("o/a.ogg"))?["frames"]?.intValue == 6001)
  }

  // MARK: - Batches

  @Test func jobsDoNotChangeTheOutput() throws {
    let inputs = dir.file("in")
    try FileManager.default.createDirectory(
      atPath: inputs + "/sub", withIntermediateDirectories: true)
    var names: [String] = []
    for i in 0..<6 {
      let name = (i % 2 == 0 ? "sub/" : "") + "f\(i).wav"
      try TestAudio.writeWAV(
        inputs + "/" + name, frames: 2000 + (5 - i) * 3000, channels: 1 + i % 2,
        signal: TestAudio.noise)
      names.append(name)
    }
    for format in ["mp3", "flac", "ogg", "opus"] {
      let one = try runTool("atk-convert", [format, "-j", "1", "-o", "o1", "in"], cwd: dir.path)
      let two = try runTool("atk-convert", [format, "-j", "2", "-o", "o2", "in"], cwd: dir.path)
      #expect(one.status == 0 && two.status == 0, "\(one.stderr)\(two.stderr)")
      #expect(one.records.count == 6)
      #expect(one.output.replacingOccurrences(of: "o1/", with: "o2/") == two.output)
      #expect(files(below: dir.file("o1")) == files(below: dir.file("o2")))
      for file in files(below: dir.file("o1")) {
        #expect(try bytes(dir.file("o1/" + file)) == bytes(dir.file("o2/" + file)), "\(file)")
      }
      try FileManager.default.removeItem(atPath: dir.file("o1"))
      try FileManager.default.removeItem(atPath: dir.file("o2"))
    }
    #expect(names.count == 6)
  }

  @Test func matchingInputIsCopiedNotReencoded() throws {
    let source = dir.file("a.wav")
    try TestAudio.writeWAV(source, frames: 3000, channels: 2)
    let copy = try runTool("atk-convert", ["wav", "-o", dir.file("o"), source])
    #expect(copy.status == 0, "\(copy.stderr)")
    let record = try #require(copy.records.first)
    #expect(record["reencoded"] == .bool(false))
    #expect(record["frames"]?.intValue == 3000)
    #expect(try bytes(dir.file("o/a.wav")) == bytes(source))

    // An MP3 asked for as MP3 with no new settings is copied too; new settings re-encode.
    _ = try runTool("atk-convert", ["mp3", "--bitrate", "32", "-o", dir.file("m"), source])
    let mp3 = dir.file("m/a.mp3")
    let same = try runTool("atk-convert", ["mp3", "-o", dir.file("m2"), mp3])
    #expect(same.records.first?["reencoded"] == .bool(false))
    #expect(try bytes(dir.file("m2/a.mp3")) == bytes(mp3))
    let sameRate = try runTool(
      "atk-convert", ["mp3", "--bitrate", "32", "-o", dir.file("m3"), mp3])
    #expect(sameRate.records.first?["reencoded"] == .bool(false))
    let other = try runTool("atk-convert", ["mp3", "--bitrate", "24", "-o", dir.file("m4"), mp3])
    #expect(other.records.first?["reencoded"] == .bool(true))

    let forced = try runTool("atk-convert", ["wav", "--force", "-o", dir.file("f"), source])
    #expect(forced.records.first?["reencoded"] == .bool(true))
    let wider = try runTool("atk-convert", ["wav", "--bits", "24", "-o", dir.file("w"), source])
    #expect(wider.records.first?["reencoded"] == .bool(true))
    #expect(wider.records.first?["encoding"]?.stringValue == "pcm_24")
  }

  @Test(arguments: [1, 2])
  func twoInputsForOneOutputCollide(jobs: Int) throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 4000, channels: 1)
    let wav = try runTool("atk-convert", ["flac", "-o", dir.file("tmp"), dir.file("a.wav")])
    #expect(wav.status == 0)
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 6000, channels: 2)
    try FileManager.default.moveItem(atPath: dir.file("tmp/a.flac"), toPath: dir.file("a.flac"))
    let result = try runTool(
      "atk-convert",
      ["mp3", "-j", "\(jobs)", "-o", dir.file("o"), dir.file("a.wav"), dir.file("a.flac")])
    #expect(result.status == 1)
    let records = result.records
    #expect(records.count == 2)
    #expect(records.first?["status"]?.stringValue == "ok")
    #expect(records.last?["status"]?.stringValue == "failed")
    #expect(records.last?["error"]?.objectValue?["code"]?.stringValue == "output_collision")
    #expect(records.last?["error"]?.objectValue?["message"]?.stringValue?.contains("a.wav") == true)
    #expect(result.stderr.contains("a.flac"))
    // The first input's output is whole: the WAV's 6000 stereo frames.
    let scanned = try #require(try scan(dir.file("o/a.mp3")))
    #expect(scanned["frames"]?.intValue == 6000)
    #expect(scanned["channels"]?.intValue == 2)
  }

  @Test func rerunOverwritesItsOwnOutputs() throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 4000, channels: 2)
    let first = try runTool("atk-convert", ["flac", "-o", dir.file("o"), dir.file("a.wav")])
    let before = try bytes(dir.file("o/a.flac"))
    let second = try runTool("atk-convert", ["flac", "-o", dir.file("o"), dir.file("a.wav")])
    #expect(first.status == 0 && second.status == 0, "\(second.stderr)")
    #expect(first.output == second.output)
    #expect(try bytes(dir.file("o/a.flac")) == before)
    #expect(files(below: dir.file("o")) == ["a.flac"])
  }

  // MARK: - Failures

  @Test func badJSONLineMidStream() throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 2000)
    try TestAudio.writeWAV(dir.file("b.wav"), frames: 2000)
    let input = """
      {"path":"\(dir.file("a.wav"))","relpath":"a.wav"}
      {"path": oops
      {"path":"\(dir.file("b.wav"))","relpath":"b.wav"}

      """
    let result = try runTool("atk-convert", ["flac", "-o", dir.file("o")], stdin: input)
    #expect(result.status == 1)
    let records = result.records
    #expect(records.count == 3)
    #expect(records[0]["status"]?.stringValue == "ok")
    #expect(records[1]["error"]?.objectValue?["code"]?.stringValue == "bad_record")
    #expect(records[1]["line"]?.intValue == 2)
    #expect(records[2]["status"]?.stringValue == "ok")
    #expect(files(below: dir.file("o")) == ["a.flac", "b.flac"])
  }

  @Test func missingFileFails() throws {
    let result = try runTool("atk-convert", ["wav", "-o", dir.file("o"), dir.file("nope.wav")])
    #expect(result.status == 1)
    #expect(result.records.first?["error"]?.objectValue?["code"]?.stringValue == "not_found")
    #expect(result.stderr.contains("nope.wav"))
    #expect(files(below: dir.file("o")).isEmpty)
  }

  @Test func eachKindOfBadFileFails() throws {
    FileManager.default.createFile(atPath: dir.file("empty.wav"), contents: Data())
    FileManager.default.createFile(atPath: dir.file("text.wav"), contents: Data("hello\n".utf8))
    let m4a: [UInt8] = [0, 0, 0, 0x1C] + Array("ftypM4A ".utf8) + [UInt8](repeating: 0, count: 64)
    FileManager.default.createFile(atPath: dir.file("song.m4a"), contents: Data(m4a))
    let whole = TestAudio.wav(frames: 4000)
    FileManager.default.createFile(
      atPath: dir.file("cut.wav"), contents: Data(whole.prefix(whole.count / 2)))
    let expected = [
      "empty.wav": "empty_file", "text.wav": "not_audio", "song.m4a": "unsupported_format",
      "cut.wav": "truncated",
    ]
    let names = expected.keys.sorted()
    let result = try runTool("atk-convert", ["mp3", "-o", dir.file("o")] + names.map(dir.file))
    #expect(result.status == 1)
    let records = result.records
    #expect(records.count == names.count)
    for (name, record) in zip(names, records) {
      #expect(record["status"]?.stringValue == "failed", "\(name)")
      #expect(record["error"]?.objectValue?["code"]?.stringValue == expected[name], "\(name)")
    }
    #expect(files(below: dir.file("o")).isEmpty)
  }

  @Test func unwritableOutputFolder() throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 2000)
    FileManager.default.createFile(atPath: dir.file("plain"), contents: Data("x".utf8))
    let result = try runTool(
      "atk-convert", ["flac", "-o", dir.file("plain/out"), dir.file("a.wav")])
    #expect(result.status == 1)
    #expect(result.records.first?["error"]?.objectValue?["code"]?.stringValue == "cannot_write")
  }

  @Test func stdoutToDevFull() throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 2000)
    try TestAudio.writeWAV(dir.file("b.wav"), frames: 2000)
    let result = try runTool(
      "atk-convert", ["flac", "-o", dir.file("o"), dir.file("a.wav"), dir.file("b.wav")],
      stdoutPath: "/dev/full")
    #expect(result.status == 2)
    #expect(result.stderr.contains("standard output"))
    #expect(!files(below: dir.file("o")).contains { $0.hasSuffix(".atk-tmp") })
  }

  @Test(arguments: [
    ["--nope"], ["mp3", "--bits", "16"], ["flac", "--bits", "32f"], ["flac", "--quality", "3"],
    ["mp3", "--bitrate", "400"], ["mp3", "--bitrate", "128", "--quality", "2"], ["aac"],
    ["wav", "--channels", "3"], ["ogg", "--bitrate", "128"], ["wav", "--compression", "5"],
  ])
  func usageErrors(arguments: [String]) throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 100)
    let result = try runTool(
      "atk-convert", arguments + ["-o", dir.file("o"), dir.file("a.wav")])
    #expect(result.status == 64, "\(arguments)")
    #expect(result.stdout.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: dir.file("o")))
  }

  @Test func interruptLeavesNoFile() throws {
    // Two minutes of 44.1 kHz stereo noise, made by repeating one second.
    let second = TestAudio.wav(
      frames: 44100, sampleRate: 44100, channels: 2, signal: TestAudio.noise)
    let body = second.dropFirst(44)
    let seconds = 120
    var wav = TestAudio.wav(frames: 0, sampleRate: 44100, channels: 2)
    let dataSize = UInt32(body.count * seconds)
    withUnsafeBytes(of: (dataSize + 36).littleEndian) { for i in 0..<4 { wav[4 + i] = $0[i] } }
    withUnsafeBytes(of: dataSize.littleEndian) { for i in 0..<4 { wav[40 + i] = $0[i] } }
    let handle = try FileHandle(
      forWritingTo: {
        FileManager.default.createFile(atPath: dir.file("long.wav"), contents: Data(wav))
        return URL(fileURLWithPath: dir.file("long.wav"))
      }())
    handle.seekToEndOfFile()
    for _ in 0..<seconds { handle.write(Data(body)) }
    try handle.close()

    let process = Process()
    process.executableURL = URL(fileURLWithPath: toolDirectory + "/atk-convert")
    process.arguments = ["mp3", "--quality", "0", "-o", dir.file("o"), dir.file("long.wav")]
    process.standardOutput = try FileHandle(
      forWritingTo: {
        FileManager.default.createFile(atPath: dir.file("stdout"), contents: nil)
        return URL(fileURLWithPath: dir.file("stdout"))
      }())
    process.standardError = FileHandle.nullDevice
    try process.run()
    let temporary = dir.file("o/.long.mp3.atk-tmp")
    let deadline = Date().addingTimeInterval(20)
    while !FileManager.default.fileExists(atPath: temporary) && Date() < deadline {
      usleep(2000)
    }
    usleep(50_000)
    process.interrupt()
    process.waitUntilExit()
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 130)
    #expect(!FileManager.default.fileExists(atPath: dir.file("o/long.mp3")))
    #expect(files(below: dir.file("o")).isEmpty)
    #expect(try bytes(dir.file("stdout")).isEmpty)
  }

  @Test func manualPageLintsClean() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/groff") else { return }
    let page = repositoryRoot + "/man/atk-convert.1"
    let result = try runShell("groff -mandoc -ww -z '\(page)' 2>&1")
    #expect(result.status == 0)
    #expect(result.output.isEmpty, "\(result.output)")
    let help = try runTool("atk-convert", ["--help"]).output
    let text = try String(contentsOfFile: page, encoding: .utf8)
    for option in [
      "--output", "--bitrate", "--quality", "--compression", "--sample-rate",
      "--channels", "--bits", "--force", "--sync", "--jobs",
    ] {
      #expect(help.contains(option))
      let name = String(option.dropFirst(2))
      #expect(text.contains("Fl \(name)") || text.contains("Fl -\(name)"), "\(option)")
    }
  }
}
