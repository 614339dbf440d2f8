/// The Xing `Info` frame with its LAME tag, for the constant bit rates whose frames are too small
/// for LAME to write one.
///
/// A LAME-encoded MP3 starts with one silent frame that holds the stream's length in frames, its
/// size in bytes, a seek table, and (the LAME tag) the encoder delay and padding. Decoders that
/// read it (libmpg123 through libsndfile, ffmpeg, `lame --decode`) drop that frame, the delay
/// and the padding, and give back exactly the frames that went in. LAME writes the frame at the
/// stream's own bit rate, so for CBR at 44.1 kHz ≤ 48 kbit/s mono or ≤ 56 kbit/s stereo (and
/// the like at other rates) the frame cannot hold the tag and LAME writes none: the file then
/// decodes to 1,000–2,300 frames too many. The tag frame may use any bit rate of its MPEG
/// version (a LAME VBR file's does), so atk writes it itself at the smallest that holds it.
enum MP3InfoTag {
  /// Bytes of the Xing part (id, flags, frames, bytes, seek table, quality) plus the LAME tag.
  private static let tagBytes = 120 + 36

  /// Frame header plus side information: 4 + 17 or 32 bytes in MPEG-1, 4 + 9 or 17 after.
  static func sideInfoEnd(sampleRate: Int, mono: Bool) -> Int {
    sampleRate >= 32000 ? (mono ? 21 : 36) : (mono ? 13 : 21)
  }

  /// The bytes of one layer III frame at `bitrate` kbit/s without padding.
  static func frameLength(bitrate: Int, sampleRate: Int) -> Int {
    (sampleRate >= 32000 ? 144_000 : 72_000) * bitrate / sampleRate
  }

  /// Whether LAME fits its own tag frame into a CBR stream at `bitrate` (its `InitVbrTag` rule:
  /// a frame at the stream's rate must hold the side information and the 156 bytes of tags).
  static func lameWritesTag(bitrate: Int, sampleRate: Int, mono: Bool) -> Bool {
    frameLength(bitrate: bitrate, sampleRate: sampleRate)
      >= sideInfoEnd(sampleRate: sampleRate, mono: mono) + tagBytes
  }

  /// The bit rates of layer III by bit-rate index (1...14), for MPEG-1 and for MPEG-2 and 2.5.
  private static let mpeg1Bitrates = [
    32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
  ]
  private static let mpeg2Bitrates = [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]

  /// The smallest bit rate whose frame holds the tag, and its index in the frame header.
  static func tagBitrate(sampleRate: Int, mono: Bool) -> (kbps: Int, index: Int) {
    let table = sampleRate >= 32000 ? mpeg1Bitrates : mpeg2Bitrates
    let needed = sideInfoEnd(sampleRate: sampleRate, mono: mono) + tagBytes
    let position =
      table.firstIndex { frameLength(bitrate: $0, sampleRate: sampleRate) >= needed }
      ?? table.count - 1
    return (table[position], position + 1)
  }

  /// The bytes of the tag frame's length for a stream at `sampleRate`.
  static func length(sampleRate: Int, mono: Bool) -> Int {
    let bitrate = tagBitrate(sampleRate: sampleRate, mono: mono).kbps
    return frameLength(bitrate: bitrate, sampleRate: sampleRate)
  }

  /// What the tag states, as LAME would state it for the same stream.
  struct Contents {
    /// The header of the stream's first audio frame (version, mode, flags are copied from it).
    var audioHeader: [UInt8]
    var sampleRate: Int
    var mono: Bool
    /// Audio frames after the tag frame.
    var frames: Int
    /// Bytes of the whole stream, tag frame included.
    var bytes: Int64
    /// CRC-16 of the audio frames (every byte after the tag frame).
    var musicCRC: UInt16
    var encoderDelay: Int
    var encoderPadding: Int
    var bitrate: Int
    /// LAME's quality number: 100 − 10 × VBR quality − psychoacoustic quality.
    var quality: Int
    var lowpassHz: Int
    var athType: Int
    /// LAME's stereo mode code: 0 mono, 1 stereo, 2 dual channel, 3 joint stereo.
    var stereoMode: Int
    /// The encoder's name and version, 9 bytes in the tag (`LAME3.100`).
    var encoder: String
  }

  /// The tag frame: a frame header at `tagBitrate`, zeroed side information (decoders that do
  /// not know the tag decode it as silence), the `Info` block and the LAME tag with its CRC.
  static func frame(_ c: Contents) -> [UInt8] {
    let rate = tagBitrate(sampleRate: c.sampleRate, mono: c.mono)
    let length = frameLength(bitrate: rate.kbps, sampleRate: c.sampleRate)
    var out = [UInt8](repeating: 0, count: length)
    let h = c.audioHeader
    out[0] = 0xFF
    out[1] = h[1] | 0x01  // no CRC protection: the side information is all zero
    out[2] = UInt8(rate.index << 4) | (h[2] & 0x0C)  // sample-rate index; no padding
    out[3] = h[3]
    var at = sideInfoEnd(sampleRate: c.sampleRate, mono: c.mono)
    func put(_ bytes: [UInt8]) {
      out.replaceSubrange(at..<at + bytes.count, with: bytes)
      at += bytes.count
    }
    func u32(_ v: Int64) -> [UInt8] {
      (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) }
    }
    func u16(_ v: Int) -> [UInt8] {
      [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }
    put(Array("Info".utf8))
    put(u32(0x0F))  // frames, bytes, seek table and quality present
    put(u32(Int64(c.frames)))
    put(u32(c.bytes))
    // Seek table: the byte position, in 256ths of the stream, at each percent of the time
    // (0 for the start, as LAME writes it).
    let audio = c.bytes - Int64(length)
    put(
      (0..<100).map { percent in
        guard percent > 0 else { return 0 }
        let position = Int64(length) + audio * Int64(percent) / 100
        return UInt8(min(255, position * 256 / max(1, c.bytes)))
      })
    put(u32(Int64(c.quality)))
    var encoder = Array(c.encoder.utf8.prefix(9))
    encoder += [UInt8](repeating: 0x20, count: 9 - encoder.count)
    put(encoder)
    put([0x01])  // tag revision 0, method 1: constant bit rate
    put([UInt8(min(255, (c.lowpassHz + 50) / 100))])
    put([0, 0, 0, 0, 0, 0, 0, 0])  // peak amplitude, radio and audiophile replay gain: unset
    put([0x10 | UInt8(c.athType & 0x0F)])  // nspsytune, as LAME 3.100 always sets; ATH type
    put([UInt8(min(255, c.bitrate))])
    let delay = min(4095, c.encoderDelay)
    let padding = min(4095, c.encoderPadding)
    put([UInt8(delay >> 4), UInt8((delay & 0x0F) << 4 | padding >> 8), UInt8(padding & 0xFF)])
    let sourceRate: UInt8 =
      switch c.sampleRate {
      case ...32000: 0
      case 44100: 1
      case 48000: 2
      default: 3
      }
    put([sourceRate << 6 | UInt8(c.stereoMode & 7) << 2])  // noise shaping: not stated
    put([0])  // MP3 gain
    put(u16(min(2047, c.bitrate)))  // no surround; the preset is the bit rate, as LAME writes it
    put(u32(c.bytes))
    put(u16(Int(c.musicCRC)))
    put(u16(Int(CRC16.checksum(out[0..<at]))))
    return out
  }
}

/// CRC-16 with the polynomial 0x8005, bits reflected, starting at 0 (CRC-16/ARC): the checksum
/// of the LAME tag and of the music it describes.
struct CRC16 {
  private static let table: [UInt16] = (0..<256).map { byte in
    var crc = UInt16(byte)
    for _ in 0..<8 { crc = crc & 1 != 0 ? crc >> 1 ^ 0xA001 : crc >> 1 }
    return crc
  }

  private(set) var value: UInt16 = 0

  /// Adds `bytes` to the checksum.
  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    var crc = value
    for byte in bytes { crc = crc >> 8 ^ Self.table[Int(UInt8(truncatingIfNeeded: crc) ^ byte)] }
    value = crc
  }

  /// The checksum of `bytes`.
  static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt16 {
    var crc = CRC16()
    bytes.withUnsafeBytes { crc.update($0) }
    return crc.value
  }
}
