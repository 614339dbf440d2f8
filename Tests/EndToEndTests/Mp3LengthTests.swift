import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// Every MP3 atk writes decodes to exactly the frames its record states: at every sample rate
/// MP3 holds, mono and stereo, every constant bit rate of the rate's MPEG version and every VBR
/// quality, through atk-convert and through atk-split (issue 6.1).
@Suite struct Mp3LengthTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  static let sampleRates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]
  static let mpeg1Bitrates = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
  static let mpeg2Bitrates = [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]

  /// The frames atk-scan states for each path, and those it decodes with `--verify`.
  func scanned(_ paths: [String]) throws -> (stated: [String: Int64], decoded: [String: Int64]) {
    var out: [[String: Int64]] = []
    for verify in [false, true] {
      let scan = try runTool("atk-scan", (verify ? ["--verify"] : []) + paths)
      #expect(scan.status == 0, "\(scan.stderr)")
      var frames: [String: Int64] = [:]
      for record in scan.records {
        if let path = record.path, let count = record[Record.Key.frames]?.intValue {
          frames[path.display] = count
        }
      }
      out.append(frames)
    }
    return (out[0], out[1])
  }

  /// Checks that every record's output decodes to its `frames`; returns how many were checked.
  @discardableResult
  func expectExactLengths(_ records: [Record], what: String) throws -> Int {
    let paths = records.compactMap { $0.path?.display }
    let (stated, decoded) = try scanned(paths)
    var wrong: [String] = []
    for record in records {
      guard let path = record.path?.display, let frames = record[Record.Key.frames]?.intValue
      else {
        wrong.append("no path or frames: \(record)")
        continue
      }
      if stated[path] != frames || decoded[path] != frames {
        let rate = record[Record.Key.sampleRate]?.intValue ?? 0
        let channels = record[Record.Key.channels]?.intValue ?? 0
        wrong.append(
          "\(path) (\(rate) Hz, \(channels) ch): record \(frames), scan \(stated[path] ?? -1), "
            + "decoded \(decoded[path] ?? -1)")
      }
    }
    #expect(
      wrong.isEmpty,
      "\(what): \(wrong.count) of \(records.count) wrong:\n\(wrong.joined(separator: "\n"))")
    return records.count
  }

  @Test func everyMp3ConvertAndSplitWriteDecodesToItsRecordedLength() throws {
    // 0.3 s and 7 frames at every rate, mono and stereo: short, so the grid stays fast.
    var inputs: [(rate: Int, path: String)] = []
    for rate in Self.sampleRates {
      for channels in 1...2 {
        let path = dir.file("in-\(rate)-\(channels).wav")
        try TestAudio.writeWAV(
          path, frames: rate * 3 / 10 + 7, sampleRate: rate, channels: channels,
          signal: TestAudio.sine(440, sampleRate: rate))
        inputs.append((rate, path))
      }
    }
    var settings: [(name: String, arguments: [String], rates: Set<Int>)] = []
    for bitrate in Set(Self.mpeg1Bitrates + Self.mpeg2Bitrates).sorted() {
      let rates = Set(
        Self.sampleRates.filter {
          ($0 >= 32000 ? Self.mpeg1Bitrates : Self.mpeg2Bitrates).contains(bitrate)
        })
      settings.append(("b\(bitrate)", ["--bitrate", "\(bitrate)"], rates))
    }
    for quality in 0...9 {
      settings.append(("v\(quality)", ["--quality", "\(quality)"], Set(Self.sampleRates)))
    }
    var converted: [Record] = []
    var lowBitrateOutputs: [Record] = []
    for setting in settings {
      let paths = inputs.filter { setting.rates.contains($0.rate) }.map(\.path)
      let convert = try runTool(
        "atk-convert", ["mp3"] + setting.arguments + ["-o", dir.file("c-\(setting.name)")] + paths)
      #expect(convert.status == 0, "\(setting.name): \(convert.stderr)")
      #expect(convert.records.count == paths.count)
      // Each setting's outputs go to their own folder when split.
      let records = convert.records.map { record in
        var record = record
        record.relpath = RawPath(setting.name).appending(record.relpath ?? RawPath("x.mp3"))
        return record
      }
      converted += records
      if setting.name.hasPrefix("b"), let kbps = Int(setting.name.dropFirst()), kbps < 64 {
        lowBitrateOutputs += records
      }
    }
    // 9 rates x 2 channel counts x (14 constant bit rates + 10 VBR qualities).
    #expect(converted.count == 432)
    try expectExactLengths(converted, what: "atk-convert")

    // A second decoder, LAME's own (mpglib), on the outputs whose frames are too small for
    // LAME's tag.
    let list = lowBitrateOutputs.compactMap { $0.path?.display }
    let decode = try runShell(
      "for f in " + list.map { "'\($0)'" }.joined(separator: " ")
        + "; do lame --quiet --decode \"$f\" \"$f.wav\" || exit 1; done")
    #expect(decode.status == 0, "\(decode.stderr)")
    for record in lowBitrateOutputs {
      guard let path = record.path?.display, let frames = record[Record.Key.frames]?.intValue,
        let channels = record[Record.Key.channels]?.intValue
      else { continue }
      let samples = try TestAudio.samples(ofWAV: path + ".wav").samples.count
      #expect(Int64(samples) / channels == frames, "lame --decode '\(path)'")
    }

    // atk-split re-encodes each MP3 at its own bit rate (the nearest standard one for VBR):
    // 0.3 s segments, and a last one of 7 frames.
    let stdin = converted.map(\.jsonLine).joined(separator: "\n") + "\n"
    let split = try runTool("atk-split", ["0.3", "-o", dir.file("split")], stdin: stdin)
    #expect(split.status == 0, "\(split.stderr)")
    #expect(split.records.count == 432 * 2)
    try expectExactLengths(split.records, what: "atk-split")
    var sums: [String: Int64] = [:]
    for segment in split.records {
      sums[segment[Record.Key.source]?.stringValue ?? "", default: 0] +=
        segment[Record.Key.frames]?.intValue ?? 0
    }
    for record in converted {
      let path = record.path?.display ?? ""
      #expect(sums[path] == record[Record.Key.frames]?.intValue, "segments of '\(path)'")
    }

    // An input split straight to MP3 (VBR at the default quality).
    let wavSplit = try runTool(
      "atk-split", ["0.3", "--format", "mp3", "-o", dir.file("wav-split")] + inputs.map(\.path))
    #expect(wavSplit.status == 0, "\(wavSplit.stderr)")
    try expectExactLengths(wavSplit.records, what: "atk-split --format mp3")
  }

  /// An MP3 without a LAME tag decodes to its encoder delay and padding on top of its audio:
  /// that tail is no segment of its own (issue 6.1).
  @Test func splittingAnUntaggedMp3AddsNoSegmentForTheEncoderPadding() throws {
    let wav = dir.file("talk.wav")
    let mp3 = dir.file("talk.mp3")
    try TestAudio.writeWAV(
      wav, frames: 44100, sampleRate: 44100, signal: TestAudio.sine(440, sampleRate: 44100))
    // 32 kbit/s mono at 44.1 kHz: a frame too small for LAME's tag, so lame writes none.
    let lame = try runShell("lame --quiet -b 32 --resample 44.1 -m m '\(wav)' '\(mp3)'")
    #expect(lame.status == 0, "\(lame.stderr)")
    let scan = try runTool("atk-scan", [mp3])
    let decoded = try #require(scan.records.first?[Record.Key.frames]?.intValue)
    #expect(decoded > 44100 && decoded <= 44100 + 2304)

    let split = try runTool("atk-split", ["0.5", "-o", dir.file("out"), mp3])
    #expect(split.status == 0, "\(split.stderr)")
    #expect(split.records.count == 2)
    #expect(split.records.compactMap { $0[Record.Key.frames]?.intValue }.reduce(0, +) == decoded)
    try expectExactLengths(split.records, what: "atk-split of an untagged MP3")
  }
}
