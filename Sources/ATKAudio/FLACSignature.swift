import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// The MD5 signature a FLAC file's STREAMINFO holds of its audio, and the check of decoded
/// samples against it (what `flac -t` checks).
///
/// The encoder signs the samples as it was given them: each sample little-endian in the
/// fewest whole bytes that hold its bit depth, channels interleaved. libsndfile hands them back
/// left-aligned in 32 bits (`sf_readf_int`), so each is shifted back down first. A frame
/// damaged behind its CRC stops libFLAC; a sample wrong before the CRC was computed (an encoder
/// or memory fault) only the signature shows.
package struct FLACSignature {
  /// The signature stored in the file.
  let expected: [UInt8]
  /// Bits per sample: 8, 16 or 24.
  let bits: Int
  private var md5 = MD5()
  private var scratch: [UInt8] = []

  /// The signature of the FLAC file at `path`; nil when the file does not start with a FLAC
  /// STREAMINFO block, leaves the signature unset (all zeros, as an encoder that cannot seek
  /// back does), or holds a bit depth other than 8, 16 or 24 (which libsndfile does not return
  /// as the encoder was given them).
  package static func read(_ path: RawPath) -> FLACSignature? {
    let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var head = [UInt8](repeating: 0, count: 42)
    guard head.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 42, 0) }) == 42,
      head[0..<4].elementsEqual("fLaC".utf8), head[4] & 0x7F == 0
    else { return nil }
    // STREAMINFO from byte 8: block sizes (4 bytes), frame sizes (6), then 20 bits of sample
    // rate, 3 of channels - 1, 5 of bits per sample - 1, 36 of total samples, 16 bytes of MD5.
    let bits = Int(head[20] & 0x01) << 4 + Int(head[21] >> 4) + 1
    let signature = Array(head[26..<42])
    guard [8, 16, 24].contains(bits), signature.contains(where: { $0 != 0 }) else { return nil }
    return FLACSignature(expected: signature, bits: bits)
  }

  private init(expected: [UInt8], bits: Int) {
    self.expected = expected
    self.bits = bits
  }

  /// Adds `count` interleaved samples, as `sf_readf_int` returns them.
  mutating func add(_ samples: UnsafePointer<Int32>, count: Int) {
    let width = bits / 8
    let shift = Int32(32 - bits)
    if scratch.count < count * width { scratch = [UInt8](repeating: 0, count: count * width) }
    scratch.withUnsafeMutableBufferPointer { out in
      var at = 0
      for i in 0..<count {
        let value = samples[i] >> shift
        out[at] = UInt8(truncatingIfNeeded: value)
        if width > 1 { out[at + 1] = UInt8(truncatingIfNeeded: value >> 8) }
        if width > 2 { out[at + 2] = UInt8(truncatingIfNeeded: value >> 16) }
        at += width
      }
    }
    scratch.withUnsafeBytes {
      md5.update(UnsafeRawBufferPointer(rebasing: $0[0..<(count * width)]))
    }
  }

  /// Whether the samples added so far are the ones signed.
  mutating func matches() -> Bool { md5.finish() == expected }
}
