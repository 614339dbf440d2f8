import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// Damaged inputs through every tool: files cut short at several places and bytes corrupted with
/// a fixed seed. No tool may crash, and none may say ok for what `atk-scan --verify` cannot
/// decode.
@Suite struct DamagedInputTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  /// The input a record speaks of: `source` on an output, `path` on a failed or scan record.
  func input(of record: Record) -> String {
    record["source"]?.stringValue ?? String(decoding: record.path?.bytes ?? [], as: UTF8.self)
  }

  /// The tool ran to the end of its input: exit 0 or 1, never a trap or a signal.
  func expectNoCrash(_ result: ToolResult, _ what: String) {
    #expect(
      result.status == 0 || result.status == 1,
      "\(what) exited \(result.status): \(result.stderr.suffix(1500))")
    #expect(!result.stderr.contains("Swift runtime failure"), "\(what)")
  }

  /// 2 s of a tone with some noise at 8 kHz mono, written in `format` by atk-convert.
  func encoded(_ format: String) throws -> [UInt8] {
    let wav = dir.file("source.wav")
    let tone = TestAudio.sine(440, sampleRate: 8000)
    try TestAudio.writeWAV(wav, frames: 16000) { tone($0, $1) + TestAudio.noise($0, $1) * 0.2 }
    let made = try runTool("atk-convert", [format, "-o", dir.file("made"), wav])
    try #require(made.status == 0, "\(made.stderr)")
    return try #require(TestFiles.read(RawPath(dir.file("made/source.\(format)"))))
  }

  @Test(arguments: ["ogg", "opus", "flac", "mp3"])
  func cutAndCorruptedFilesNeverCrashNorPassAsOk(format: String) throws {
    let whole = try encoded(format)
    try FileManager.default.createDirectory(
      atPath: dir.file("in"), withIntermediateDirectories: true)
    var variants: [(path: String, cut: Bool)] = []
    func add(_ name: String, _ bytes: [UInt8], cut: Bool) throws {
      let path = dir.file("in/\(name).\(format)")
      try TestFiles.write(RawPath(path), bytes)
      variants.append((path, cut))
    }
    for percent in [5, 20, 50, 80, 95, 99] {
      try add("cut\(percent)", Array(whole.prefix(whole.count * percent / 100)), cut: true)
    }
    try add("cut-last-byte", Array(whole.dropLast()), cut: true)
    for seed in UInt64(1)...6 {
      // Seeds 1 and 2 may hit the headers; the others damage the audio only.
      let start = seed <= 2 ? 0 : whole.count / 4
      try add(
        "corrupt\(seed)", DamagedAudio.corrupted(whole, seed: seed, count: 3, from: start),
        cut: false)
    }
    let paths = variants.map(\.path)

    let verify = try runTool("atk-scan", ["--verify"] + paths, timeout: 300)
    let scan = try runTool("atk-scan", paths, timeout: 300)
    let toWAV = try runTool("atk-convert", ["wav", "-o", dir.file("wav")] + paths, timeout: 300)
    let copy = try runTool("atk-convert", [format, "-o", dir.file("copy")] + paths, timeout: 300)
    let split = try runTool("atk-split", ["0.5", "-o", dir.file("split")] + paths, timeout: 300)
    for (what, result) in [
      ("scan --verify", verify), ("scan", scan), ("convert wav", toWAV),
      ("convert \(format)", copy), ("split", split),
    ] {
      expectNoCrash(result, "\(what) of damaged \(format)")
    }

    for variant in variants {
      let name = (variant.path as NSString).lastPathComponent
      let verified = try #require(verify.records.first { input(of: $0) == variant.path })
      let decodable = verified.errorInfo == nil
      if variant.cut {
        #expect(!decodable, "\(name) was cut short, yet scan --verify says ok")
        if format != "mp3" {
          let scanned = scan.records.first { input(of: $0) == variant.path }
          #expect(scanned?.errorInfo?.code == "truncated", "\(name): \(scanned?.jsonLine ?? "")")
        }
      }
      for (what, result) in [("convert wav", toWAV), ("convert \(format)", copy), ("split", split)]
      {
        let records = result.records.filter { input(of: $0) == variant.path }
        #expect(!records.isEmpty, "\(what) wrote no record for \(name)")
        if !decodable {
          #expect(
            records.count == 1 && records[0].errorInfo != nil,
            "\(what) says ok for \(name), which scan --verify rejects: \(verified.jsonLine)")
        } else if records.allSatisfy({ $0.errorInfo == nil }) {
          let frames = records.compactMap { $0["frames"]?.intValue }.reduce(0, +)
          #expect(frames == verified["frames"]?.intValue, "\(what) of \(name)")
        }
      }
    }
    // Only the outputs of inputs that came through are left, and no temporary file.
    for (folder, result) in [("wav", toWAV), ("copy", copy), ("split", split)] {
      let written = files(below: dir.file(folder)).map { dir.file(folder + "/" + $0) }
      let reported = result.records.filter { $0.errorInfo == nil }.map {
        String(decoding: $0.path?.bytes ?? [], as: UTF8.self)
      }
      #expect(written == reported.sorted(), "\(folder)")
    }
  }

  /// A 1 s 44.1 kHz MP3 from the `lame` command, cut to 1719 bytes (the issue's example), and a
  /// VBR MP3 without a Xing tag cut to 60 %.
  func truncatedMP3s() throws -> (tagged: String, untagged: String) {
    let wav = dir.file("w.wav")
    try TestAudio.writeWAV(
      wav, frames: 44100, sampleRate: 44100, signal: TestAudio.sine(440, sampleRate: 44100))
    let tagged = dir.file("t.mp3")
    let whole = dir.file("v.mp3")
    let lame = try runShell(
      "lame --quiet -V2 '\(wav)' '\(whole)' && head -c 1719 '\(whole)' > '\(tagged)'")
    try #require(lame.status == 0, "\(lame.stderr)")
    let vbr = dir.file("u.mp3")
    try TestAudio.writeUntaggedVbrMP3(vbr)
    let bytes = try #require(TestFiles.read(RawPath(vbr)))
    let untagged = dir.file("uc.mp3")
    try TestFiles.write(RawPath(untagged), Array(bytes.prefix(bytes.count * 6 / 10)))
    return (tagged, untagged)
  }

  @Test func truncatedMp3IsNeitherCopiedNorConvertedAsOk() throws {
    let (tagged, untagged) = try truncatedMP3s()
    for (format, file) in [
      ("mp3", tagged), ("wav", tagged), ("mp3", untagged), ("wav", untagged), ("flac", untagged),
    ] {
      let out = dir.file("out-\(format)")
      let result = try runTool("atk-convert", [format, "-o", out, file])
      #expect(result.status == 1, "\(format) of \(file): \(result.output)")
      #expect(result.records.first?.errorInfo?.code == "truncated", "\(format) of \(file)")
      #expect(
        result.stderr.contains("atk-convert: error: '\(file)': truncated"), "\(result.stderr)")
      #expect(files(below: out).isEmpty, "\(format) of \(file)")
    }
    let split = try runTool("atk-split", ["1", "-o", dir.file("split"), untagged])
    #expect(split.status == 1)
    #expect(split.records.map { $0.errorInfo?.code } == ["truncated"])
    #expect(files(below: dir.file("split")).isEmpty)
  }

  @Test func allowTruncatedWritesWhatWasDecodedAndSaysSo() throws {
    let (_, untagged) = try truncatedMP3s()
    let declared = try #require(
      try runTool("atk-scan", [untagged]).records.first?["frames"]?.intValue)
    for format in ["wav", "mp3"] {
      let out = dir.file("out-\(format)")
      let result = try runTool("atk-convert", [format, "--allow-truncated", "-o", out, untagged])
      #expect(result.status == 0, "\(result.stderr)")
      let record = try #require(result.records.first)
      #expect(record.errorInfo == nil)
      // The matching MP3 is re-encoded from what decodes, not copied with its false length.
      #expect(record["reencoded"] == .bool(true))
      #expect(record["declared_frames"]?.intValue == declared)
      let frames = try #require(record["frames"]?.intValue)
      #expect(frames > 0 && frames < declared)
      #expect(
        result.stderr.contains("atk-convert: warning: '\(untagged)': truncated: decoded \(frames)"),
        "\(result.stderr)")
      if format == "wav" {
        let samples = try TestAudio.samples(ofWAV: out + "/uc.wav").samples
        #expect(Int64(samples.count) == frames * 2)
      }
    }
    // A whole input gets no declared_frames.
    let whole = try runTool(
      "atk-convert", ["wav", "--allow-truncated", "-o", dir.file("w"), dir.file("u.mp3")])
    #expect(whole.status == 0)
    #expect(whole.records.first?["declared_frames"] == nil)
  }

  @Test func numbersInRecordsAreNotTrustedOverTheFile() throws {
    // Tools read lengths and rates from the file itself; absurd values in a record change
    // nothing (atk-split takes an MP3's bit rate from the record, clamped to MPEG's).
    let mp3 = dir.file("made/source.mp3")
    _ = try encoded("mp3")
    let scanned = try #require(try runTool("atk-scan", [mp3]).records.first?["frames"]?.intValue)
    let input =
      #"{"path":"\#(mp3)","frames":9223372036854775807,"sample_rate":-1,"channels":0,"#
      + #""duration":1e308,"bitrate":9223372036854775807,"bytes":-5}"# + "\n"
    let split = try runTool("atk-split", ["0.5", "-o", dir.file("split")], stdin: input)
    expectNoCrash(split, "split")
    #expect(split.status == 0, "\(split.stderr)")
    #expect(split.records.count == 4)
    #expect(split.records.allSatisfy { $0["sample_rate"]?.intValue == 8000 })
    let toWAV = try runTool("atk-convert", ["wav", "-o", dir.file("wav")], stdin: input)
    #expect(toWAV.status == 0, "\(toWAV.stderr)")
    #expect(toWAV.records.first?["frames"]?.intValue == scanned)
  }

  @Test func flacWithoutATotalIsCountedByDecoding() throws {
    var bytes = try encoded("flac")
    // STREAMINFO's 36-bit total sample count: 0 means unknown (a FLAC written to a pipe).
    bytes[21] &= 0xF0
    for i in 22...25 { bytes[i] = 0 }
    let file = dir.file("nototal.flac")
    try TestFiles.write(RawPath(file), bytes)
    for arguments in [[file], ["--verify", file]] {
      let scan = try runTool("atk-scan", arguments)
      #expect(scan.status == 0, "\(arguments): \(scan.output)")
      #expect(scan.records.first?["frames"]?.intValue == 16000)
    }
    let split = try runTool("atk-split", ["0.5", "-o", dir.file("split"), file])
    expectNoCrash(split, "split")
    #expect(split.records.map { $0["frames"]?.intValue } == [4000, 4000, 4000, 4000])
    let toWAV = try runTool("atk-convert", ["wav", "-o", dir.file("wav"), file])
    #expect(toWAV.records.first?["frames"]?.intValue == 16000)
    let copy = try runTool("atk-convert", ["flac", "-o", dir.file("copy"), file])
    #expect(copy.records.first?["reencoded"] == .bool(false))
    #expect(copy.records.first?["frames"]?.intValue == 16000)
  }

  /// 1 s of a tone with some noise at 48 kHz stereo, written in `format` by atk-convert.
  func oneSecond(_ format: String) throws -> [UInt8] {
    let wav = dir.file("second.wav")
    let tone = TestAudio.sine(440, sampleRate: 48000)
    try TestAudio.writeWAV(wav, frames: 48000, sampleRate: 48000, channels: 2) {
      tone($0, $1) + TestAudio.noise($0, $1) * 0.2
    }
    let made = try runTool("atk-convert", [format, "-o", dir.file("made-second"), wav])
    try #require(made.status == 0, "\(made.stderr)")
    return try #require(TestFiles.read(RawPath(dir.file("made-second/second.\(format)"))))
  }

  /// Runs atk-scan --verify (and atk-scan, with `scanToo`), atk-convert to WAV and to the
  /// file's own format, and atk-split on `file`, each under a time limit: every one must fail it
  /// with one of `codes` within `seconds` and leave no output.
  func expectEveryToolFails(
    _ file: String, format: String, codes: Set<String>, scanToo: Bool = false,
    within seconds: Double = 20
  ) throws {
    let name = (file as NSString).lastPathComponent
    let out = dir.file("out-" + name)
    var runs: [(String, [String])] = [
      ("atk-scan", ["--verify", file]), ("atk-convert", ["wav", "-o", out + "/wav", file]),
      ("atk-convert", [format, "-o", out + "/copy", file]),
      ("atk-split", ["0.3", "-o", out + "/split", file]),
    ]
    if scanToo { runs.append(("atk-scan", [file])) }
    for (tool, arguments) in runs {
      let what = "\(tool) \(arguments.dropLast().joined(separator: " ")) \(name)"
      let start = Date()
      let result = try runTool(tool, arguments, timeout: seconds * 3)
      let elapsed = Date().timeIntervalSince(start)
      #expect(elapsed < seconds, "\(what) took \(elapsed) s")
      expectNoCrash(result, what)
      #expect(result.status == 1, "\(what): \(result.output)")
      let record = result.records.first
      #expect(result.records.count == 1, "\(what): \(result.output)")
      #expect(
        codes.contains(record?.errorInfo?.code ?? "ok"), "\(what): \(record?.jsonLine ?? "")")
    }
    #expect(files(below: out).isEmpty, "\(name): \(files(below: out))")
  }

  /// The last Ogg page claims far more than the file holds (2^40 frames, or four times its
  /// length), with its checksum recomputed so the page is valid. Every tool fails the file as
  /// truncated at once: atk-split used to plan 10^7 segments from the claim and ran for minutes.
  @Test(arguments: ["ogg", "opus"])
  func fakedOggLengthFailsPromptlyAsTruncated(format: String) throws {
    let whole = try oneSecond(format)
    let real = try #require(DamagedAudio.oggLastGranule(whole))
    for granule in [Int64(1) << 40, real * 4] {
      let bytes = try #require(DamagedAudio.oggWithLastGranule(whole, granule))
      let file = dir.file("granule-\(granule).\(format)")
      try TestFiles.write(RawPath(file), bytes)
      // atk-scan without --verify only looks at the claim: one that the file's size cannot
      // hold it decodes; a smaller one (four times) it seeks to, which a Vorbis file may allow.
      try expectEveryToolFails(
        file, format: format, codes: ["truncated"], scanToo: granule == Int64(1) << 40)
    }
  }

  /// Two bytes flipped in the middle of a 1 s Ogg Vorbis or Opus file, in pages before the
  /// last: those pages fail their checksums and a decoder skips them. libsndfile then counts
  /// the length from the first page it can read, so decoding reaches the length it reports and
  /// the tools said ok. A gap is damage: none may.
  @Test(arguments: ["ogg", "opus"])
  func flippedBytesInOggPagesAreNotOk(format: String) throws {
    let whole = try oneSecond(format)
    let pages = DamagedAudio.oggPages(whole)
    // The first page whose granule position is not 0 holds audio; headers come before it.
    let audio = pages.filter { page in (6..<14).contains { whole[page.lowerBound + $0] != 0 } }
    try #require(audio.count >= 3, "\(pages)")
    let first = audio[0]
    let middle = try #require(audio.dropLast().first { $0.contains(whole.count / 2) })
    for (label, offsets) in [
      ("first", [first.lowerBound + first.count / 2, first.lowerBound + first.count / 2 + 7]),
      ("middle", [whole.count / 2, whole.count / 2 + 7]),
      ("both", [first.lowerBound + first.count / 2, middle.lowerBound + middle.count / 2]),
    ] {
      var bytes = whole
      for offset in offsets {
        #expect(offset < pages.last!.lowerBound)
        bytes[offset] ^= 0x5A
      }
      let file = dir.file("flipped-\(label).\(format)")
      try TestFiles.write(RawPath(file), bytes)
      try expectEveryToolFails(file, format: format, codes: ["corrupt", "truncated"])
    }
  }

  @Test(arguments: ["ogg", "opus", "flac", "mp3"])
  func wholeInputsAreStillCopiedByteForByte(format: String) throws {
    let whole = try encoded(format)
    let file = dir.file("whole.\(format)")
    try TestFiles.write(RawPath(file), whole)
    let verified = try #require(
      try runTool("atk-scan", ["--verify", file]).records.first?["frames"]?.intValue)
    let copy = try runTool("atk-convert", [format, "-o", dir.file("copy"), file])
    #expect(copy.status == 0, "\(copy.stderr)")
    #expect(copy.records.first?["reencoded"] == .bool(false))
    #expect(copy.records.first?["frames"]?.intValue == verified)
    #expect(TestFiles.read(RawPath(dir.file("copy/whole.\(format)"))) == whole)
  }
}
