#if canImport(Glibc)
  import Glibc
#endif
import ATKRecords

/// Just enough of the MPEG audio frame header to tell a constant-bit-rate MP3 from a VBR one.
enum MP3Header {
  private static let mpeg1Bitrates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
  private static let mpeg2Bitrates = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
  private static let mpeg1Rates = [44100, 48000, 32000]

  /// The bit rate in kbit/s of a constant-bit-rate layer III file, nil for VBR or unknown.
  ///
  /// Looks past an ID3v2 tag at the first frame: an `Info` tag means CBR, `Xing` or `VBRI`
  /// mean VBR; without a tag, the first four frames must share one bit rate.
  static func constantBitrate(of path: RawPath) -> Int? {
    let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var head = [UInt8](repeating: 0, count: 10)
    guard head.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 10, 0) }) == 10 else { return nil }
    var start = 0
    if head[0] == UInt8(ascii: "I") && head[1] == UInt8(ascii: "D") && head[2] == UInt8(ascii: "3") {
      let size = head[6..<10].reduce(0) { $0 << 7 | Int($1 & 0x7F) }
      start = 10 + size + (head[5] & 0x10 != 0 ? 10 : 0)
    }
    var bytes = [UInt8](repeating: 0, count: 16384)
    let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 16384, off_t(start)) }
    guard count > 4 else { return nil }
    bytes.removeLast(bytes.count - count)
    guard let first = bytes.indices.dropLast(4).first(where: { frame(in: bytes, at: $0) != nil }),
      let header = frame(in: bytes, at: first)
    else { return nil }
    let tagAt = first + 4 + header.sideInfo
    if tagAt + 4 <= bytes.count {
      let tag = String(decoding: bytes[tagAt..<tagAt + 4], as: UTF8.self)
      if tag == "Info" { return header.bitrate }
      if tag == "Xing" { return nil }
    }
    if first + 40 <= bytes.count, String(decoding: bytes[first + 36..<first + 40], as: UTF8.self) == "VBRI" {
      return nil
    }
    var at = first
    for _ in 0..<4 {
      guard let next = frame(in: bytes, at: at) else { return at >= bytes.count - 4 ? header.bitrate : nil }
      guard next.bitrate == header.bitrate else { return nil }
      at += next.length
    }
    return header.bitrate
  }

  private struct Frame {
    var bitrate: Int
    var length: Int
    var sideInfo: Int
  }

  /// The layer III frame header at `i`, if one starts there.
  private static func frame(in b: [UInt8], at i: Int) -> Frame? {
    guard i + 4 <= b.count, b[i] == 0xFF, b[i + 1] & 0xE0 == 0xE0 else { return nil }
    let version = Int(b[i + 1] >> 3 & 3)  // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    let layer = Int(b[i + 1] >> 1 & 3)  // 1: layer III
    let bitrateIndex = Int(b[i + 2] >> 4)
    let rateIndex = Int(b[i + 2] >> 2 & 3)
    guard version != 1, layer == 1, bitrateIndex != 0, bitrateIndex != 15, rateIndex != 3 else {
      return nil
    }
    let mpeg1 = version == 3
    let bitrate = (mpeg1 ? mpeg1Bitrates : mpeg2Bitrates)[bitrateIndex]
    let rate = mpeg1Rates[rateIndex] >> (version == 3 ? 0 : version == 2 ? 1 : 2)
    let padding = Int(b[i + 2] >> 1 & 1)
    let mono = b[i + 3] >> 6 == 3
    let length = (mpeg1 ? 144 : 72) * bitrate * 1000 / rate + padding
    let sideInfo = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17)
    return Frame(bitrate: bitrate, length: length, sideInfo: sideInfo)
  }
}
