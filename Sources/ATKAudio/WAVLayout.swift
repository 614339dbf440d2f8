#if canImport(Glibc)
  import Glibc
#endif

/// Where the samples of a little-endian PCM or float WAV file lie, so a run of frames can be
/// copied byte for byte into a new WAV file with the same `fmt ` chunk.
///
/// This is atk-split's fast path: copying encoded bytes needs no decoding, and writing the
/// header here rather than through libsndfile's raw calls is about four times faster.
package struct WAVLayout {
  /// The source's whole `fmt ` chunk (header and body, padded to even length), copied as is.
  let formatChunk: [UInt8]
  /// The source's `LIST`/`INFO` chunk (tags), copied as is when it is small.
  let infoChunk: [UInt8]?
  /// Where the first sample byte is.
  package let dataOffset: Int64
  /// Bytes per frame.
  package let blockAlign: Int
  /// Whether samples are floating point (the header then gets a `fact` chunk).
  let isFloat: Bool

  /// The biggest `LIST` chunk carried across (tags only; anything larger is skipped).
  private static let infoLimit = 64 * 1024

  /// Reads the chunk list of the WAV file open on `fd` (`pread(2)`, the file offset is kept).
  ///
  /// Returns nil unless the file is a RIFF/WAVE file whose `fmt ` chunk says `bytesPerFrame`
  /// and whose `data` chunk holds `frames` frames within `fileSize` bytes.
  package static func read(
    descriptor fd: Int32, fileSize: Int64, frames: Int64, bytesPerFrame: Int, isFloat: Bool
  ) -> WAVLayout? {
    func bytes(at offset: Int64, count: Int) -> [UInt8]? {
      var buffer = [UInt8](repeating: 0, count: count)
      var done = 0
      while done < count {
        let n = buffer.withUnsafeMutableBytes {
          pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done))
        }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return nil }
        done += n
      }
      return buffer
    }
    func word(_ b: [UInt8], _ i: Int) -> Int64 {
      Int64(b[i]) | Int64(b[i + 1]) << 8 | Int64(b[i + 2]) << 16 | Int64(b[i + 3]) << 24
    }
    guard let head = bytes(at: 0, count: 12), head[0..<4].elementsEqual("RIFF".utf8),
      head[8..<12].elementsEqual("WAVE".utf8)
    else { return nil }
    var format: [UInt8]?
    var info: [UInt8]?
    var dataOffset: Int64?
    var offset: Int64 = 12
    var chunks = 0
    while offset + 8 <= fileSize, chunks < 256 {
      chunks += 1
      guard let header = bytes(at: offset, count: 8) else { break }
      let id = String(decoding: header[0..<4], as: UTF8.self)
      let size = word(header, 4)
      let padded = size + (size & 1)
      switch id {
      case "fmt " where format == nil && dataOffset == nil:
        guard size >= 16, size <= 4096, let body = bytes(at: offset + 8, count: Int(padded))
        else { return nil }
        format = header + body
      case "LIST" where info == nil && padded <= infoLimit && size >= 4:
        if let body = bytes(at: offset + 8, count: Int(padded)),
          body[0..<4].elementsEqual("INFO".utf8)
        {
          info = header + body
        }
      case "data" where dataOffset == nil:
        dataOffset = offset + 8
      default: break
      }
      if id == "data" && (size == 0 || size == 0xFFFF_FFFF || offset + 8 + size > fileSize) {
        break  // a streamed WAV: the samples run to the end of the file
      }
      offset += 8 + padded
    }
    guard let format, let dataOffset else { return nil }
    let blockAlign = Int(format[20]) | Int(format[21]) << 8
    guard blockAlign == bytesPerFrame, dataOffset + frames * Int64(blockAlign) <= fileSize else {
      return nil
    }
    return WAVLayout(
      formatChunk: format, infoChunk: info, dataOffset: dataOffset, blockAlign: blockAlign,
      isFloat: isFloat)
  }

  /// The bytes before the samples of a WAV file holding `frames` frames in this layout, and
  /// whether a pad byte must follow the samples; nil when the file would pass 4 GiB.
  package func header(frames: Int64) -> (bytes: [UInt8], padByte: Bool)? {
    let dataBytes = frames * Int64(blockAlign)
    var out: [UInt8] = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8)
    out += formatChunk
    if isFloat {
      out += Array("fact".utf8) + Self.word(4) + Self.word(frames)
    }
    if let infoChunk { out += infoChunk }
    out += Array("data".utf8) + Self.word(dataBytes)
    let riffSize = Int64(out.count - 8) + dataBytes + (dataBytes & 1)
    guard riffSize <= 0xFFFF_FFFF else { return nil }
    out.replaceSubrange(4..<8, with: Self.word(riffSize))
    return (out, dataBytes & 1 == 1)
  }

  private static func word(_ value: Int64) -> [UInt8] {
    [
      UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8),
      UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 24),
    ]
  }
}
