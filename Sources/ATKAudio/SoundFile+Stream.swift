import ATKKit
import ATKRecords
import CSndFile

#if canImport(Glibc)
  import Glibc
#endif

extension SoundFile {
  /// Opens `path` for reading as a stream: a thread copies the file into one end of a socket
  /// pair and libsndfile reads the other (`sf_open_fd`).
  ///
  /// libsndfile 1.2.0 stops reading an MP3 that has no Xing tag at the length it estimated
  /// from the first frame, which for VBR loses much of the audio. Read as a stream, it decodes
  /// to the end; a LAME-tagged file is still trimmed to its exact length. Call
  /// `open(reading:)` first, which classifies what can go wrong with the file.
  ///
  /// - Throws: `SoundFileError.cannotOpen` when the file or the socket pair cannot be opened.
  public static func open(streaming path: RawPath) throws(SoundFileError) -> SoundFile {
    let fd = path.withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else {
      throw .cannotOpen(path: path, code: .unreadable, reason: String(cString: strerror(errno)))
    }
    var pair: [Int32] = [-1, -1]
    guard
      socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0
    else {
      let reason = String(cString: strerror(errno))
      Glibc.close(fd)
      throw .cannotOpen(path: path, code: .unreadable, reason: reason)
    }
    let (readEnd, writeEnd) = (pair[0], pair[1])
    startThread {
      Self.pump(from: fd, to: writeEnd)
      Glibc.close(fd)
      Glibc.close(writeEnd)
    }
    var info = SF_INFO()
    // Through the open gate, alone: a failed open's reason is a libsndfile global.
    let opened = openGate.exclusive { () -> Result<OpaquePointer, SoundFileError> in
      guard let handle = sf_open_fd(readEnd, Int32(SFM_READ), &info, 1) else {
        // sf_open_fd closed the descriptor itself (close_desc).
        let reason = String(cString: sf_strerror(nil))
        return .failure(.cannotOpen(path: path, code: .corrupt, reason: reason))
      }
      return .success(handle)
    }
    return SoundFile(path: path, handle: try opened.get(), info: info)
  }

  /// Copies `input` into the socket until the end of the file or until the reader has gone
  /// (`send` with `MSG_NOSIGNAL`, so no SIGPIPE).
  private static func pump(from input: Int32, to socket: Int32) {
    let size = 1 << 16
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      let n = Glibc.read(input, buffer, size)
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { return }
      var offset = 0
      while offset < n {
        let sent = send(socket, buffer + offset, n - offset, Int32(MSG_NOSIGNAL))
        if sent > 0 {
          offset += sent
        } else if sent < 0 && errno == EINTR {
          continue
        } else {
          return
        }
      }
    }
  }
}
