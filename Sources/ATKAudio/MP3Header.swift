import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// Just enough of the MPEG audio frame header to tell a constant-bit-rate MP3 from a VBR one,
/// and a file whose length is stated from one whose length libsndfile can only estimate.
package enum MP3Header {
  private static let mpeg1Bitrates = [
    0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
  ]
  private static let mpeg2Bitrates = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
  private static let mpeg1Rates = [44100, 48000, 32000]

  /// What the first frame of a layer III file says about the whole file.
  package struct Summary: Equatable {
    /// The bit rate in kbit/s of a constant-bit-rate file, nil for VBR.
    package var constantBitrate: Int?
    /// Whether a Xing, Info or VBRI frame states the length (without one, libsndfile's frame
    /// count is only an estimate).
    package var hasLengthTag: Bool
  }

  /// Looks past an ID3v2 tag at the first frame: an `Info` tag means CBR (at the bit rate of the
  /// frame after it), `Xing` or `VBRI` mean VBR; without a tag, the first four frames must share one bit rate to count as CBR.
  /// Nil when no layer III frame is found near the start.
  package static func inspect(_ path: RawPath) -> Summary? {
    let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var head = [UInt8](repeating: 0, count: 10)
    guard head.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 10, 0) }) == 10 else {
      return nil
    }
    var start = 0
    if head[0] == UInt8(ascii: "I") && head[1] == UInt8(ascii: "D") && head[2] == UInt8(ascii: "3")
    {
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
    func text(at offset: Int) -> String? {
      offset + 4 <= bytes.count ? String(decoding: bytes[offset..<offset + 4], as: UTF8.self) : nil
    }
    switch text(at: first + 4 + header.sideInfo) {
    case "Info":
      // The tag frame may use a larger bit rate than the audio (atk's own tag at low rates):
      // the stream's rate is the next frame's.
      let next = frame(in: bytes, at: first + header.length)
      return Summary(constantBitrate: next?.bitrate ?? header.bitrate, hasLengthTag: true)
    case "Xing": return Summary(constantBitrate: nil, hasLengthTag: true)
    default: break
    }
    if text(at: first + 36) == "VBRI" { return Summary(constantBitrate: nil, hasLengthTag: true) }
    var at = first
    for _ in 0..<4 {
      guard let next = frame(in: bytes, at: at) else {
        let ended = at >= bytes.count - 4
        return Summary(constantBitrate: ended ? header.bitrate : nil, hasLengthTag: false)
      }
      guard next.bitrate == header.bitrate else {
        return Summary(constantBitrate: nil, hasLengthTag: false)
      }
      at += next.length
    }
    return Summary(constantBitrate: header.bitrate, hasLengthTag: false)
  }

  private struct Frame {
    var bitrate: Int
    var length: Int
    var sideInfo: Int
    var samples: Int
  }

  /// The samples per channel in a layer III stream, by walking its frame headers (no
  /// decoding): what a decoder without gapless information returns. Skips an ID3v2 tag,
  /// resynchronises over junk between frames, and stops at the end of the file (an ID3v1 or
  /// APE tag there holds no frame header). Nil when no frame is found.
  static func countSamples(_ path: RawPath) -> Int64? {
    let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let size = 1 << 16
    var window = [UInt8](repeating: 0, count: size)
    var base: off_t = 0
    var filled = 0
    func load(from offset: off_t) -> Bool {
      base = offset
      filled = window.withUnsafeMutableBytes { max(0, pread(fd, $0.baseAddress, size, offset)) }
      return filled >= 4
    }
    guard load(from: 0) else { return nil }
    var at = 0
    if window[0] == UInt8(ascii: "I") && window[1] == UInt8(ascii: "D")
      && window[2] == UInt8(ascii: "3") && filled >= 10
    {
      let tag = window[6..<10].reduce(0) { $0 << 7 | Int($1 & 0x7F) }
      at = 10 + tag + (window[5] & 0x10 != 0 ? 10 : 0)
    }
    var total: Int64 = 0
    var found = false
    while true {
      if at + 4 > filled {
        guard load(from: base + off_t(at)) else { break }
        at = 0
      }
      let slice = Array(window[at..<min(filled, at + 4)])
      if let frame = frame(in: slice, at: 0) {
        total += Int64(frame.samples)
        found = true
        at += frame.length
        continue
      }
      // Resynchronise: look for the next frame header within what is loaded.
      var next = at + 1
      while next + 4 <= filled && frame(in: Array(window[next..<next + 4]), at: 0) == nil {
        next += 1
      }
      if next + 4 > filled {
        if filled < size { break }
        guard load(from: base + off_t(next)) else { break }
        at = 0
        continue
      }
      at = next
    }
    return found ? total : nil
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
    return Frame(bitrate: bitrate, length: length, sideInfo: sideInfo, samples: mpeg1 ? 1152 : 576)
  }
}
