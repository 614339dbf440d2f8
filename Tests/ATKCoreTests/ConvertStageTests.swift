import ATKRecords
import ATKTestSupport
import Foundation
import Testing

@testable import ATKAudio
@testable import ATKConversion
@testable import ATKEncoding

/// The parts of atk-convert that need no audio file: option checks, output paths, sample
/// arithmetic, mixing, resampling lengths and the MP3 header reader.
@Suite struct ConvertStageTests {
  func options(_ format: AudioFormat, _ change: (inout ConvertStage.Options) -> Void = { _ in })
    -> ConvertStage.Options
  {
    var options = ConvertStage.Options(format: format)
    change(&options)
    return options
  }

  @Test func optionCombinations() {
    #expect(options(.mp3).problem == nil)
    #expect(options(.mp3) { $0.bitrate = 192 }.problem == nil)
    #expect(options(.mp3) { $0.quality = 2.5 }.problem == nil)
    #expect(
      options(.mp3) {
        $0.bitrate = 192
        $0.quality = 2
      }.problem != nil)
    #expect(options(.mp3) { $0.bitrate = 7 }.problem != nil)
    #expect(options(.mp3) { $0.quality = 10 }.problem != nil)
    #expect(options(.mp3) { $0.sampleEncoding = .pcm16 }.problem != nil)
    #expect(options(.ogg) { $0.quality = 10 }.problem == nil)
    #expect(options(.ogg) { $0.bitrate = 128 }.problem != nil)
    #expect(options(.opus) { $0.bitrate = 64 }.problem == nil)
    #expect(options(.opus) { $0.quality = 5 }.problem != nil)
    #expect(options(.flac) { $0.compression = 8 }.problem == nil)
    #expect(options(.flac) { $0.compression = 9 }.problem != nil)
    #expect(options(.wav) { $0.compression = 5 }.problem != nil)
    #expect(options(.flac) { $0.sampleEncoding = .float }.problem != nil)
    #expect(options(.flac) { $0.sampleEncoding = .pcm32 }.problem != nil)
    #expect(options(.wav) { $0.sampleEncoding = .float }.problem == nil)
    #expect(options(.wav) { $0.channels = 3 }.problem != nil)
    #expect(options(.wav) { $0.sampleRate = 10 }.problem != nil)
  }

  @Test func outputsMirrorTheRelpath() {
    let stage = ConvertStage(options: options(.mp3) { $0.outputDirectory = RawPath("out") })
    func location(_ path: String, _ relpath: String?) -> String? {
      var record = Record(path: RawPath(path))
      record.relpath = relpath.map(RawPath.init)
      return (try? stage.outputLocation(for: record, path: RawPath(path))).map {
        "\($0.relpath.display) \($0.path.display)"
      }
    }
    #expect(
      location("/raw/talk/intro.wav", "talk/intro.wav") == "talk/intro.mp3 out/talk/intro.mp3")
    #expect(location("/raw/a.flac", nil) == "a.mp3 out/a.mp3")
    #expect(location("/raw/a.b.wav", "./x//a.b.wav") == "x/a.b.mp3 out/x/a.b.mp3")
    #expect(location("/raw/noext", "noext") == "noext.mp3 out/noext.mp3")
    #expect(location("/raw/a.wav", "../../etc/a.wav") == nil)
  }

  @Test func defaultEncodingKeepsTheDepth() {
    #expect(ConvertStage.defaultEncoding(for: .wav, bits: 8) == .pcm16)
    #expect(ConvertStage.defaultEncoding(for: .wav, bits: 16) == .pcm16)
    #expect(ConvertStage.defaultEncoding(for: .flac, bits: 20) == .pcm24)
    #expect(ConvertStage.defaultEncoding(for: .wav, bits: 32) == .pcm32)
    #expect(ConvertStage.defaultEncoding(for: .flac, bits: 32) == .pcm24)
    #expect(ConvertStage.defaultEncoding(for: .wav, bits: nil) == .pcm16)
  }

  @Test func mixing() {
    let stereo: [Float] = [0.2, 0.4, -1, -1, 1, 0]
    var mono = [Float](repeating: 0, count: 3)
    ChannelMixer(from: 2, to: 1).mix(stereo, frames: 3, into: &mono)
    #expect(mono.map { ($0 * 1000).rounded() } == [300, -1000, 500])

    var wide = [Float](repeating: 0, count: 6)
    ChannelMixer(from: 1, to: 2).mix(mono, frames: 3, into: &wide)
    #expect(wide == [mono[0], mono[0], mono[1], mono[1], mono[2], mono[2]])

    let six: [Float] = [1, 1, 1, 1, 1, 1]
    var two = [Float](repeating: 0, count: 2)
    ChannelMixer(from: 6, to: 2).mix(six, frames: 1, into: &two)
    #expect(two == [1, 1])
  }

  @Test(arguments: [(44100, 48000, 4096), (8000, 11025, 1000), (48000, 44100, 8192)])
  func resamplerGivesTheExactLength(from: Int, to: Int, block: Int) throws {
    let seconds = 3
    let resampler = try Resampler(from: from, to: to, channels: 2, maxInputFrames: block)
    let input = (0..<block * 2).map { Float(sin(Double($0) * 0.01)) * 0.5 }
    var remaining = from * seconds
    var produced = 0
    while remaining > 0 {
      let n = min(block, remaining)
      produced += try resampler.process(input, frames: n).count / 2
      remaining -= n
    }
    while true {
      let tail = try resampler.flush()
      if tail.isEmpty { break }
      produced += tail.count / 2
    }
    #expect(produced == to * seconds)
  }

  @Test func mp3HeaderTellsCbrFromVbr() throws {
    let dir = try TemporaryDirectory()
    // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, stereo: 417-byte frames.
    let header: [UInt8] = [0xFF, 0xFB, 0x90, 0x00]
    func frame(tag: String?) -> [UInt8] {
      var bytes = header + [UInt8](repeating: 0, count: 413)
      if let tag { bytes.replaceSubrange(36..<40, with: Array(tag.utf8)) }
      return bytes
    }
    func write(_ name: String, _ bytes: [UInt8]) -> RawPath {
      FileManager.default.createFile(atPath: dir.file(name), contents: Data(bytes))
      return RawPath(dir.file(name))
    }
    let plain = Array((0..<6).map { _ in frame(tag: nil) }.joined())
    #expect(
      MP3Header.inspect(write("info.mp3", frame(tag: "Info") + plain))
        == .init(constantBitrate: 128, hasLengthTag: true))
    #expect(
      MP3Header.inspect(write("xing.mp3", frame(tag: "Xing") + plain))
        == .init(constantBitrate: nil, hasLengthTag: true))
    #expect(
      MP3Header.inspect(write("plain.mp3", plain))
        == .init(constantBitrate: 128, hasLengthTag: false))
    let id3: [UInt8] =
      Array("ID3".utf8) + [3, 0, 0, 0, 0, 0, 10] + [UInt8](repeating: 0, count: 10)
    #expect(MP3Header.inspect(write("id3.mp3", id3 + frame(tag: "Info")))?.constantBitrate == 128)
    #expect(MP3Header.inspect(write("text.mp3", Array("not an mp3 at all".utf8))) == nil)
  }

  @Test func oggSerialIsStable() {
    #expect(OggSerial.serial(for: RawPath("a.ogg")) == OggSerial.serial(for: RawPath("a.ogg")))
    #expect(OggSerial.serial(for: RawPath("a.ogg")) != OggSerial.serial(for: RawPath("b.ogg")))
  }
}
