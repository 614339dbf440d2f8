import Foundation

/// Writes small PCM WAV fixtures without atk's own audio code, so a bug in the core cannot
/// hide in both the fixture and the check.
public enum TestAudio {
  /// A sample generator: frame index and channel to a value in [-1, 1].
  public typealias Signal = @Sendable (_ frame: Int, _ channel: Int) -> Double

  /// A sine at `frequency` Hz, amplitude 0.5, each channel a little higher.
  public static func sine(_ frequency: Double, sampleRate: Int) -> Signal {
    { frame, channel in
      0.5
        * sin(
          2 * Double.pi * (frequency + Double(channel) * 110) * Double(frame) / Double(sampleRate))
    }
  }

  /// Silence.
  public static let silence: Signal = { _, _ in 0 }

  /// Deterministic white noise at amplitude 0.3.
  public static let noise: Signal = { frame, channel in
    var x = UInt64(truncatingIfNeeded: frame &* 2 &+ channel) &* 0x9E37_79B9_7F4A_7C15
    x ^= x >> 29
    x = x &* 0xBF58_476D_1CE4_E5B9
    x ^= x >> 32
    return (Double(x % 20001) / 10000 - 1) * 0.3
  }

  /// The bytes of a PCM WAV file (16 or 24 bits).
  public static func wav(
    frames: Int, sampleRate: Int = 8000, channels: Int = 1, bits: Int = 16,
    signal: Signal = sine(440, sampleRate: 8000)
  ) -> [UInt8] {
    let bytesPerSample = bits / 8
    let dataSize = frames * channels * bytesPerSample
    var out: [UInt8] = []
    out.reserveCapacity(44 + dataSize)
    func u32(_ v: Int) {
      out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)]
    }
    func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    out += Array("RIFF".utf8); u32(36 + dataSize); out += Array("WAVE".utf8)
    out += Array("fmt ".utf8); u32(16); u16(1); u16(channels); u32(sampleRate)
    u32(sampleRate * channels * bytesPerSample); u16(channels * bytesPerSample); u16(bits)
    out += Array("data".utf8); u32(dataSize)
    let scale = Double((1 << (bits - 1)) - 1)
    for frame in 0..<frames {
      for channel in 0..<channels {
        let value = Int((max(-1, min(1, signal(frame, channel))) * scale).rounded())
        for byte in 0..<bytesPerSample {
          out.append(UInt8(truncatingIfNeeded: value >> (8 * byte)))
        }
      }
    }
    return out
  }

  /// Writes a WAV fixture to `path`.
  public static func writeWAV(
    _ path: String, frames: Int, sampleRate: Int = 8000, channels: Int = 1, bits: Int = 16,
    signal: Signal? = nil
  ) throws {
    let bytes = wav(
      frames: frames, sampleRate: sampleRate, channels: channels, bits: bits,
      signal: signal ?? sine(440, sampleRate: sampleRate))
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  /// The interleaved samples of a PCM WAV file written by `wav` or by atk (first `data` chunk).
  public static func samples(ofWAV path: String) throws -> (
    format: (rate: Int, channels: Int, bits: Int), samples: [Int32]
  ) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    func u32(_ i: Int) -> Int {
      Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
    }
    func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
    var i = 12
    var rate = 0, channels = 0, bits = 0
    while i + 8 <= bytes.count {
      let id = String(decoding: bytes[i..<i + 4], as: UTF8.self)
      let size = u32(i + 4)
      if id == "fmt " { channels = u16(i + 10); rate = u32(i + 12); bits = u16(i + 22) }
      if id == "data" {
        let width = bits / 8
        let end = min(bytes.count, i + 8 + size)
        var samples: [Int32] = []
        samples.reserveCapacity((end - i - 8) / max(1, width))
        var j = i + 8
        while j + width <= end {
          var v: Int32 = 0
          for b in 0..<width { v |= Int32(bytes[j + b]) << (8 * b) }
          let shift = Int32(32 - bits)
          samples.append((v << shift) >> shift)
          j += width
        }
        return ((rate, channels, bits), samples)
      }
      i += 8 + size + (size & 1)
    }
    throw CocoaError(.fileReadCorruptFile)
  }

  /// Writes a 3 s stereo 8 kHz VBR MP3 without a Xing/LAME tag to `path`, with the `lame`
  /// command (a test dependency; atk never calls it). It starts with loud noise and goes on
  /// near silence, so the first frames' high bit rate makes libsndfile's estimate of the
  /// length far too short. Returns the frames of the WAV it was made from (24000).
  @discardableResult
  public static func writeUntaggedVbrMP3(_ path: String) throws -> Int {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/lame") else {
      throw CocoaError(
        .executableNotLoadable,
        userInfo: [
          NSLocalizedDescriptionKey: "lame makes the untagged MP3; scripts/bootstrap.sh installs it"
        ])
    }
    let source = path + ".source.wav"
    try writeWAV(source, frames: 8000 * 3, channels: 2) { frame, channel in
      frame < 4000 ? noise(frame, channel) * 3 : 0.001 * sin(Double(frame) / 10)
    }
    let lame = try runShell("lame --quiet -t -V 2 '\(source)' '\(path)'")
    guard lame.status == 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: lame.stderr])
    }
    return 8000 * 3
  }
}
