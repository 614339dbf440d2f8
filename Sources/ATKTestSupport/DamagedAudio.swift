/// Damage for test fixtures: files cut short, bytes corrupted with a fixed seed, FLAC frames
/// changed behind their checksums' backs. Written from the format specifications, not with atk's
/// own code, so a bug in the core cannot hide in both the fixture and the check.
public enum DamagedAudio {
  /// A deterministic generator (SplitMix64), so a corruption is the same on every run.
  public struct Generator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// `bytes` with `count` bytes at positions from `start` on XORed with non-zero values drawn
  /// from `seed`.
  public static func corrupted(_ bytes: [UInt8], seed: UInt64, count: Int, from start: Int)
    -> [UInt8]
  {
    var generator = Generator(seed: seed)
    var out = bytes
    guard start < out.count else { return out }
    for _ in 0..<count {
      let at = Int.random(in: start..<out.count, using: &generator)
      out[at] ^= UInt8.random(in: 1...255, using: &generator)
    }
    return out
  }

  /// The CRC-16 a FLAC frame ends with: polynomial 0x8005, initial value 0, no reflection.
  public static func flacCRC16(_ bytes: ArraySlice<UInt8>) -> UInt16 {
    var crc: UInt16 = 0
    for byte in bytes {
      crc ^= UInt16(byte) << 8
      for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x8005 : crc << 1 }
    }
    return crc
  }

  /// The byte ranges of a FLAC file's audio frames, in order; nil when it is not FLAC.
  ///
  /// The first frame starts after the last metadata block; each next one at the first frame
  /// sync code (0xFFF8 or 0xFFF9) where the bytes before it close a frame with a matching CRC-16,
  /// so a sync pattern inside audio data is not taken for a frame start.
  public static func flacFrames(_ bytes: [UInt8]) -> [Range<Int>]? {
    guard bytes.count > 8, bytes[0..<4] == [0x66, 0x4C, 0x61, 0x43] else { return nil }  // fLaC
    var at = 4
    while true {
      guard at + 4 <= bytes.count else { return nil }
      let isLast = bytes[at] & 0x80 != 0
      let length = Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
      at += 4 + length
      if isLast { break }
    }
    var frames: [Range<Int>] = []
    var start = at
    while start < bytes.count {
      var end = bytes.count
      var candidate = start + 4
      while candidate + 1 < bytes.count {
        if bytes[candidate] == 0xFF, bytes[candidate + 1] & 0xFE == 0xF8,
          flacCRC16(bytes[start..<(candidate - 2)])
            == UInt16(bytes[candidate - 2]) << 8 | UInt16(bytes[candidate - 1])
        {
          end = candidate
          break
        }
        candidate += 1
      }
      frames.append(start..<end)
      start = end
    }
    return frames
  }

  /// `bytes` (a FLAC file) with one bit flipped at `offset` bytes into audio frame `index`, and
  /// that frame's CRC-16 written anew, so the frame reads as sound while its samples differ
  /// from what the encoder was given; only the STREAMINFO MD5 signature can tell.
  public static func flacWithChangedSample(_ bytes: [UInt8], frame index: Int, offset: Int)
    -> [UInt8]?
  {
    guard let frames = flacFrames(bytes), index < frames.count else { return nil }
    let frame = frames[index]
    guard offset < frame.count - 2 else { return nil }
    var out = bytes
    out[frame.lowerBound + offset] ^= 0x08
    let crc = flacCRC16(out[frame.lowerBound..<(frame.upperBound - 2)])
    out[frame.upperBound - 2] = UInt8(crc >> 8)
    out[frame.upperBound - 1] = UInt8(crc & 0xFF)
    return out
  }

  /// Where the 16-byte MD5 signature sits in a FLAC file whose first metadata block is
  /// STREAMINFO, as every FLAC's is: after `fLaC`, the block header and 18 bytes of fields.
  public static let flacSignatureOffset = 4 + 4 + 18
}

extension DamagedAudio {
  /// The Ogg page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, starting at 0, over
  /// the page with its checksum field zeroed.
  public static func oggCRC(_ page: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0
    for (i, byte) in page.enumerated() {
      crc ^= UInt32(i >= 22 && i < 26 ? 0 : byte) << 24
      for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
    }
    return crc
  }

  /// The byte ranges of the whole Ogg pages from the start of `bytes`, in order.
  public static func oggPages(_ bytes: [UInt8]) -> [Range<Int>] {
    var pages: [Range<Int>] = []
    var at = 0
    while at + 27 <= bytes.count, bytes[at..<at + 4] == [0x4F, 0x67, 0x67, 0x53] {  // OggS
      let segments = Int(bytes[at + 26])
      guard at + 27 + segments <= bytes.count else { break }
      let size = 27 + segments + bytes[(at + 27)..<(at + 27 + segments)].reduce(0) { $0 + Int($1) }
      guard at + size <= bytes.count else { break }
      pages.append(at..<at + size)
      at += size
    }
    return pages
  }

  /// `bytes` (an Ogg file) with the granule position of its last page set to `granule` and the
  /// page's checksum written anew, so the page is valid while the length it implies is not.
  public static func oggWithLastGranule(_ bytes: [UInt8], _ granule: Int64) -> [UInt8]? {
    guard let last = oggPages(bytes).last else { return nil }
    var out = bytes
    for i in 0..<8 { out[last.lowerBound + 6 + i] = UInt8(truncatingIfNeeded: granule >> (8 * i)) }
    let crc = oggCRC(out[last])
    for i in 0..<4 { out[last.lowerBound + 22 + i] = UInt8(truncatingIfNeeded: crc >> (8 * i)) }
    return out
  }

  /// The granule position of the last whole Ogg page of `bytes`.
  public static func oggLastGranule(_ bytes: [UInt8]) -> Int64? {
    guard let last = oggPages(bytes).last else { return nil }
    return (0..<8).reduce(Int64(0)) { $0 | Int64(bytes[last.lowerBound + 6 + $1]) << (8 * $1) }
  }
}
