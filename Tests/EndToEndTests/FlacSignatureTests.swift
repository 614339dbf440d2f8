import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// `atk-scan --verify` checks a FLAC's MD5 signature (STREAMINFO), and atk-convert copies a FLAC
/// only when its audio matches it.
@Suite struct FlacSignatureTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  /// Full-scale white noise: FLAC stores it verbatim, so a flipped bit in a frame changes one
  /// sample and leaves the frame readable.
  static let fullScaleNoise: TestAudio.Signal = { frame, channel in
    var x = UInt64(truncatingIfNeeded: frame &* 2 &+ channel) &* 0x9E37_79B9_7F4A_7C15
    x ^= x >> 31
    x = x &* 0xBF58_476D_1CE4_E5B9
    x ^= x >> 29
    return Double(x % 65535) / 32767 - 1
  }

  /// A 2 s 8 kHz FLAC of full-scale noise made by atk-convert; returns its path.
  func flac(bits: Int = 16, channels: Int = 1) throws -> String {
    let wav = dir.file("noise-\(bits)-\(channels).wav")
    try TestAudio.writeWAV(
      wav, frames: 16000, channels: channels, bits: bits, signal: Self.fullScaleNoise)
    let made = try runTool("atk-convert", ["flac", "-o", dir.file("made"), wav])
    try #require(made.status == 0, "\(made.stderr)")
    return dir.file("made/noise-\(bits)-\(channels).flac")
  }

  /// Writes `bytes` to `name` in the test folder and returns its path.
  func write(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = dir.file(name)
    try TestFiles.write(RawPath(path), bytes)
    return path
  }

  @Test(arguments: [(16, 1), (16, 2), (24, 1), (24, 2)])
  func anIntactFlacPassesVerifyAndIsCopied(bits: Int, channels: Int) throws {
    let file = try flac(bits: bits, channels: channels)
    let verify = try runTool("atk-scan", ["--verify", file])
    #expect(verify.status == 0, "\(verify.output)")
    #expect(verify.records.first?["frames"]?.intValue == 16000)
    let copy = try runTool("atk-convert", ["flac", "-o", dir.file("copy"), file])
    #expect(copy.status == 0, "\(copy.output)")
    #expect(copy.records.first?["reencoded"] == .bool(false))
  }

  @Test func aChangedSampleFailsVerifyAndIsNotCopied() throws {
    let file = try flac()
    let bytes = try #require(TestFiles.read(RawPath(file)))
    let changed = try write(
      "changed.flac",
      try #require(DamagedAudio.flacWithChangedSample(bytes, frame: 1, offset: 300)))
    // libsndfile decodes it whole, one sample different: only the signature can tell.
    let back = try runTool("atk-convert", ["wav", "-o", dir.file("back"), changed])
    try #require(back.status == 0, "\(back.output)")
    let original = try TestAudio.samples(ofWAV: dir.file("noise-16-1.wav")).samples
    let decoded = try TestAudio.samples(ofWAV: dir.file("back/changed.wav")).samples
    try #require(decoded.count == original.count)
    try #require(zip(decoded, original).filter { $0 != $1 }.count == 1)

    let verify = try runTool("atk-scan", ["--verify", changed])
    #expect(verify.status == 1, "\(verify.output)")
    #expect(verify.records.first?.errorInfo?.code == "corrupt")
    #expect(verify.stderr.contains("MD5 signature"), "\(verify.stderr)")
    // Without --verify only the header and the last frame are looked at.
    #expect(try runTool("atk-scan", [changed]).status == 0)

    let copy = try runTool("atk-convert", ["flac", "-o", dir.file("copy"), changed])
    #expect(copy.status == 1, "\(copy.output)")
    #expect(copy.records.first?.errorInfo?.code == "corrupt")
    #expect(files(below: dir.file("copy")).isEmpty)
  }

  @Test func aDamagedSignatureFailsVerify() throws {
    var bytes = try #require(TestFiles.read(RawPath(try flac(bits: 24, channels: 2))))
    bytes[DamagedAudio.flacSignatureOffset + 5] ^= 0x40
    let verify = try runTool("atk-scan", ["--verify", try write("badsum.flac", bytes)])
    #expect(verify.status == 1, "\(verify.output)")
    #expect(verify.records.first?.errorInfo?.code == "corrupt")
  }

  @Test func aFrameDamagedBehindItsChecksumFailsVerify() throws {
    var bytes = try #require(TestFiles.read(RawPath(try flac())))
    let frames = try #require(DamagedAudio.flacFrames(bytes))
    try #require(frames.count == 4)
    bytes[frames[2].lowerBound + 300] ^= 0x08  // CRC-16 left as it was
    let verify = try runTool("atk-scan", ["--verify", try write("badframe.flac", bytes)])
    #expect(verify.status == 1, "\(verify.output)")
    #expect(verify.records.first?.errorInfo != nil)
  }

  @Test func anUnsetSignatureIsNotChecked() throws {
    var bytes = try #require(TestFiles.read(RawPath(try flac())))
    for i in 0..<16 { bytes[DamagedAudio.flacSignatureOffset + i] = 0 }
    let verify = try runTool("atk-scan", ["--verify", try write("nosum.flac", bytes)])
    #expect(verify.status == 0, "\(verify.output)")
  }
}
