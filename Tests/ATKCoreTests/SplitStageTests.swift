import ATKRecords
import ATKTestSupport
import Foundation
import Testing

@testable import ATKAudio
@testable import ATKEncoding
@testable import ATKKit
@testable import ATKSplitting

/// SplitStage in process: the segment arithmetic, and inputs the end-to-end tests cannot make
/// without atk-convert (FLAC, float WAV, tagged WAV), written here through the core's sinks.
@Suite struct SplitStageTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  @Test func planCountsAndBounds() throws {
    let ten = try #require(SegmentPlan(total: 80_000, length: 8_000))
    #expect(ten.count == 10)
    #expect(ten.frames(of: 9) == 72_000..<80_000)
    let four = try #require(SegmentPlan(total: 80_000, length: 24_000))
    #expect(four.count == 4)
    #expect(four.frames(of: 3) == 72_000..<80_000)
    let merged = try #require(SegmentPlan(total: 80_000, length: 24_000, minLast: 12_000))
    #expect(merged.count == 3)
    #expect(merged.frames(of: 2) == 48_000..<80_000)
    #expect(SegmentPlan(total: 80_000, length: 24_000, minLast: 8_000)?.count == 4)
    #expect(SegmentPlan(total: 5, length: 10, minLast: 100)?.frames(of: 0) == 0..<5)
    #expect(SegmentPlan(total: 0, length: 10)?.count == 1)
    #expect(SegmentPlan(total: 0, length: 10)?.frames(of: 0) == 0..<0)
  }

  @Test func planRefusesWhatItCannotCount() throws {
    #expect(SegmentPlan(total: .max, length: 8_000) == nil)
    #expect(SegmentPlan(total: 80_000, length: .max) == nil)
    #expect(SegmentPlan(total: 80_000, length: 8_000, minLast: .max) == nil)
    #expect(SegmentPlan(total: -1, length: 8_000) == nil)
    #expect(SegmentPlan(total: 80_000, length: 0) == nil)
    #expect(SegmentPlan(total: 80_000, length: 8_000, minLast: -1) == nil)
    let longest = try #require(SegmentPlan(total: FrameCount.limit, length: 1, minLast: 2))
    #expect(longest.count == Int(FrameCount.limit - 1))
    #expect(longest.frames(of: longest.count - 1) == (FrameCount.limit - 2)..<FrameCount.limit)
  }

  @Test func secondsBecomeFramesOnlyWhenTheyFit() {
    #expect(FrameCount.frames(seconds: 1.5, sampleRate: 8000) == 12_000)
    #expect(FrameCount.frames(seconds: 0, sampleRate: 8000) == 0)
    for seconds in [1e18, 1e300, Double(Int64.max), .infinity, -.infinity, .nan, -1] {
      #expect(FrameCount.frames(seconds: seconds, sampleRate: 44100) == nil, "\(seconds)")
    }
    #expect(FrameCount.frames(seconds: 1e9, sampleRate: Int(Int32.max)) == nil)
  }

  @Test func numbersArePaddedToTheCount() {
    #expect(SegmentPlan(total: 999, length: 1)?.number(of: 0) == "001")
    #expect(SegmentPlan(total: 1000, length: 1)?.number(of: 0) == "0001")
    #expect(SegmentPlan(total: 1000, length: 1)?.number(of: 999) == "1000")
    #expect(SegmentPlan(total: 123_456, length: 1)?.number(of: 41) == "000042")
  }

  @Test(arguments: [
    (1e18, 0.0), (1e300, 0), (Double(Int64.max), 0), (.infinity, 0), (.nan, 0),
    (-1, 0), (1, 1e300), (1, .infinity), (1, .nan), (1, -1),
  ])
  func absurdLengthsFailTheRecordInsteadOfTrapping(seconds: Double, minLast: Double) throws {
    // atk-split's command line refuses these; the stage must not trap if they reach it.
    let wav = dir.file("a.wav")
    try TestAudio.writeWAV(wav, frames: 8000)
    let records = try split(wav, seconds: seconds, minLast: minLast)
    #expect(records.count == 1)
    #expect(records.first?.errorInfo?.code == "bad_option", "\(records.first?.jsonLine ?? "")")
    #expect(!FileManager.default.fileExists(atPath: dir.file("out")))
  }

  @Test func mp3BitratesSnapToStandardOnes() {
    #expect(SplitStage.standardMp3Bitrate(128, sampleRate: 44100) == 128)
    #expect(SplitStage.standardMp3Bitrate(131, sampleRate: 44100) == 128)
    #expect(SplitStage.standardMp3Bitrate(176, sampleRate: 44100) == 192)
    #expect(SplitStage.standardMp3Bitrate(900, sampleRate: 48000) == 320)
    #expect(SplitStage.standardMp3Bitrate(10, sampleRate: 44100) == 32)
    #expect(SplitStage.standardMp3Bitrate(150, sampleRate: 22050) == 144)
    #expect(SplitStage.standardMp3Bitrate(100, sampleRate: 8000) == 64)
  }

  /// Integer samples of a generated signal at `bits`, left-aligned as `sf_readf_int` gives them.
  func samples(frames: Int, channels: Int, bits: Int) throws -> [Int32] {
    let wav = dir.file("ref-\(bits)-\(channels).wav")
    try TestAudio.writeWAV(
      wav, frames: frames, channels: channels, bits: bits, signal: TestAudio.noise)
    return try TestAudio.samples(ofWAV: wav).samples.map { $0 << Int32(32 - bits) }
  }

  /// Writes `samples` through the core's sink for `settings` to `path`.
  func write(_ samples: [Int32], _ settings: EncoderSettings, to path: String) throws {
    let output = try OutputFile(finalPath: RawPath(path))
    let sink = try AudioSinks.open(settings, into: output)
    try samples.withUnsafeBufferPointer {
      try sink.write($0.baseAddress!, frames: samples.count / settings.channels)
    }
    _ = try sink.finish()
    try output.commit()
  }

  /// Runs the stage on `path` and returns what it emitted.
  func split(_ path: String, seconds: Double, minLast: Double = 0, format: AudioFormat? = nil)
    throws -> [Record]
  {
    var options = SplitStage.Options(seconds: seconds)
    options.outputDirectory = RawPath(dir.file("out"))
    options.minLastSeconds = minLast
    options.format = format
    var records: [Record] = []
    var input = Record(path: RawPath(path))
    input.relpath = RawPath(path).lastComponent
    let context = StageContext(
      line: nil, diagnostics: Diagnostics(tool: "atk-split", quiet: true))
    try SplitStage(options: options).process(input, context: context) { records.append($0) }
    return records
  }

  /// The samples of the files in `records`, read back through libsndfile, one after another.
  func readBack(_ records: [Record]) throws -> [Int32] {
    var all: [Int32] = []
    for record in records {
      let file = try SoundFile.open(reading: record.path!)
      var buffer = [Int32](repeating: 0, count: Int(file.frames) * file.channels)
      let n = buffer.withUnsafeMutableBufferPointer {
        file.read(into: $0.baseAddress!, frames: Int(file.frames))
      }
      #expect(Int64(n) == file.frames)
      all += buffer
    }
    return all
  }

  @Test(arguments: [16, 24])
  func flacSegmentsAreExact(bits: Int) throws {
    let source = try samples(frames: 8000 * 2 + 77, channels: 2, bits: bits)
    let flac = dir.file("take.flac")
    try write(
      source,
      EncoderSettings(
        format: .flac, sampleRate: 8000, channels: 2, sampleEncoding: bits == 16 ? .pcm16 : .pcm24),
      to: flac)
    let records = try split(flac, seconds: 0.25)
    #expect(records.count == 9)
    #expect(records.allSatisfy { $0["format"]?.stringValue == "flac" })
    #expect(records.allSatisfy { $0["encoding"]?.stringValue == "pcm_\(bits)" })
    #expect(records.last?["frames"]?.intValue == 77)
    #expect(
      records.last.map { String(decoding: $0.path!.bytes, as: UTF8.self) }
        == dir.file("out/take_segment_009.flac"))
    #expect(try readBack(records) == source)
    // FLAC to WAV keeps the samples as well.
    #expect(try readBack(try split(flac, seconds: 0.5, format: .wav)) == source)
  }

  @Test func aTruncatedFlacFailsAndLeavesNoSegments() throws {
    let source = try samples(frames: 8000 * 2, channels: 2, bits: 24)
    let flac = dir.file("cut.flac")
    try write(
      source, EncoderSettings(format: .flac, sampleRate: 8000, channels: 2, sampleEncoding: .pcm24),
      to: flac)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: flac))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: flac))
    let records = try split(flac, seconds: 0.25)
    #expect(records.count == 1)
    #expect(records.first?.errorInfo?.code == "truncated")
    #expect(records.first?.errorInfo?.message.contains("of 16000 declared frames") == true)
    #expect(records.first?.part == [])
    let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.file("out"))) ?? []
    #expect(left.isEmpty)
  }

  @Test func floatWavIsCopiedWithItsTags() throws {
    let source = try samples(frames: 8000, channels: 1, bits: 16)
    let wav = dir.file("float.wav")
    try write(
      source,
      EncoderSettings(
        format: .wav, sampleRate: 8000, channels: 1, sampleEncoding: .float,
        tags: ["title": "A title", "artist": "Someone"]),
      to: wav)
    let records = try split(wav, seconds: 0.3)
    #expect(records.count == 4)
    #expect(records.allSatisfy { $0["encoding"]?.stringValue == "float" })
    for record in records {
      let file = try SoundFile.open(reading: record.path!)
      #expect(file.tags["title"] == "A title")
      #expect(file.tags["artist"] == "Someone")
      #expect(file.frames == record["frames"]?.intValue)
      let size =
        try FileManager.default.attributesOfItem(
          atPath: String(decoding: record.path!.bytes, as: UTF8.self))[.size] as? Int
      #expect(record["bytes"]?.intValue == size.map(Int64.init))
    }
    #expect(try readBack(records) == readBack([Record(path: RawPath(wav))]))
  }

  @Test func oddLengthSegmentsGetAPadByte() throws {
    // 24-bit mono: 3 bytes a frame, so a segment of an odd number of frames needs a pad byte.
    let wav = dir.file("odd.wav")
    try TestAudio.writeWAV(wav, frames: 1001, bits: 24, signal: TestAudio.noise)
    let records = try split(wav, seconds: 0.125)  // 1000 frames, then 1
    #expect(records.map { $0["frames"]?.intValue } == [1000, 1])
    #expect(records.last?["bytes"]?.intValue == Int64(44 + 3 + 1))
    #expect(
      try readBack(records).map { $0 >> 8 } == TestAudio.samples(ofWAV: wav).samples)
  }
}
