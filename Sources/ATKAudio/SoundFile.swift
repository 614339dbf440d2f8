import ATKKit
import ATKRecords
import CSndFile

#if canImport(Glibc)
  import Glibc
#endif

/// An open libsndfile handle; `deinit` closes it, `close()` reports close errors.
///
/// Reading goes through `sf_open_fd` on a descriptor atk opened itself, so errors such as
/// a missing or unreadable file are told apart before libsndfile guesses at the format.
public final class SoundFile {
  /// The file's path, for messages.
  public let path: RawPath
  /// What libsndfile says of the file: frames, rate, channels, format.
  public private(set) var info: SF_INFO
  private var handle: OpaquePointer?
  /// The descriptor a file being written goes to, through libsndfile's virtual I/O.
  private let output: SoundFileOutput?

  init(path: RawPath, handle: OpaquePointer, info: SF_INFO, output: SoundFileOutput? = nil) {
    self.path = path
    self.handle = handle
    self.info = info
    self.output = output
  }

  deinit { if let handle { sf_close(handle) } }

  /// Frames in the file as the header declares them.
  public var frames: Int64 { Int64(info.frames) }
  /// Frames per second.
  public var sampleRate: Int { Int(info.samplerate) }
  /// Samples per frame.
  public var channels: Int { Int(info.channels) }
  /// libsndfile's format word (major format | encoding).
  public var format: Int32 { info.format }
  /// Whether the file can seek (pipes cannot).
  public var seekable: Bool { info.seekable != 0 }

  /// Opens `path` for reading (`sf_open_fd`), classifying every way that can fail.
  ///
  /// - Throws: `SoundFileError.cannotOpen` with the code that says why.
  public static func open(reading path: RawPath) throws(SoundFileError) -> SoundFile {
    var status = stat()
    if path.withCString({ stat($0, &status) }) != 0 {
      let code = errno
      let kind: ErrorCode =
        switch code {
        case ENOENT, ENOTDIR: .notFound
        case ELOOP: .symlinkLoop
        default: .unreadable
        }
      throw .cannotOpen(path: path, code: kind, reason: String(cString: strerror(code)))
    }
    switch status.st_mode & S_IFMT {
    case S_IFDIR: throw .cannotOpen(path: path, code: .notAudio, reason: "is a folder")
    case S_IFREG: break
    default:
      let kind = FileSystem.kindName(status.st_mode)
      throw .cannotOpen(path: path, code: .notAudio, reason: "not a regular file (\(kind))")
    }
    if status.st_size == 0 {
      if FileSystem.isKernelFile(path) {
        throw .cannotOpen(
          path: path, code: .notAudio,
          reason: "a kernel file (/proc, /sys), not a regular file on a disk")
      }
      throw .cannotOpen(path: path, code: .emptyFile, reason: "empty file (0 bytes)")
    }
    // Without blocking: a FIFO put in the file's place after the stat would wait for a writer.
    let fd = path.withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
    guard fd >= 0 else {
      throw .cannotOpen(path: path, code: .unreadable, reason: String(cString: strerror(errno)))
    }
    guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
      Glibc.close(fd)
      throw .cannotOpen(path: path, code: .notAudio, reason: "not a regular file")
    }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    var info = SF_INFO()
    // With close_desc = 1 libsndfile owns `fd` from here on, and closes it if the open fails.
    guard let handle = openGate.shared({ sf_open_fd(fd, Int32(SFM_READ), &info, 1) }) else {
      throw openFailure(path: path, size: Int64(status.st_size))
    }
    let file = SoundFile(path: path, handle: handle, info: info)
    if file.log.contains("(should be") && Self.declaresMoreData(file.log) {
      throw .cannotOpen(
        path: path, code: .truncated,
        reason: "truncated: the header declares more audio data than the file holds")
    }
    if !file.lengthIsKnown && Int(info.format) & SF_FORMAT_TYPEMASK == SF_FORMAT_OGG
      && !Self.oggEndsWithLastPage(path: path, size: Int64(status.st_size))
    {
      // libsndfile gives SF_COUNT_MAX when it cannot find the last page of an Ogg stream.
      throw .cannotOpen(
        path: path, code: .truncated,
        reason: "truncated: the Ogg stream stops before its last page")
    }
    return file
  }

  /// Whether the header states the length: false when libsndfile reports `SF_COUNT_MAX` (a
  /// FLAC whose STREAMINFO leaves the total at 0, as an encoder writing to a pipe does) or
  /// more than `FrameCount.limit`. Count such a file's frames by decoding it.
  public var lengthIsKnown: Bool { FrameCount.isPlausible(frames) }

  /// Opens an output on `descriptor` for writing (`sf_open_virtual`, writing through
  /// `SoundFileOutput`); the descriptor stays open and the caller's, whether this succeeds or
  /// fails.
  ///
  /// - Throws: `SoundFileError.cannotWrite` with libsndfile's reason, or the system's when a
  ///   write failed.
  public static func create(
    descriptor: Int32, path: RawPath, format: Int32, sampleRate: Int, channels: Int
  ) throws(SoundFileError) -> SoundFile {
    var info = SF_INFO()
    info.format = format
    info.samplerate = Int32(sampleRate)
    info.channels = Int32(channels)
    let output = SoundFileOutput(descriptor: descriptor)
    var functions = SoundFileOutput.functions
    let user = Unmanaged.passUnretained(output).toOpaque()
    // Exclusive: a failed open leaves its reason in a libsndfile global.
    let opened = openGate.exclusive { () -> Result<OpaquePointer, SoundFileError> in
      guard let handle = sf_open_virtual(&functions, Int32(SFM_WRITE), &info, user) else {
        let reason = output.failureReason ?? String(cString: sf_strerror(nil))
        return .failure(.cannotWrite(path: path, reason: reason))
      }
      return .success(handle)
    }
    return SoundFile(path: path, handle: try opened.get(), info: info, output: output)
  }

  /// Keeps libsndfile's per-process error state to one failed open at a time.
  ///
  /// A failed `sf_open_fd` leaves its error number, text and log in globals (`sf_error(NULL)`,
  /// `sf_strerror(NULL)`, `SFC_GET_LOG_INFO` on NULL), which the next failed open on another
  /// thread overwrites. Opens share the gate; reading why one failed takes it alone. Every
  /// `sf_open_fd` in ATKAudio goes through it.
  static let openGate = OpenGate()

  /// Why `path` would not open: opens it again with every other open held off, so the error
  /// and log libsndfile keeps in globals are this file's.
  private static func openFailure(path: RawPath, size: Int64) -> SoundFileError {
    openGate.exclusive {
      // Two descriptors: libsndfile closes the one it is given when the open fails (whatever
      // close_desc says), and the Ogg check below still needs one.
      let probe = path.withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
      let fd = path.withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
      guard probe >= 0, fd >= 0 else {
        let reason = String(cString: strerror(errno))
        if probe >= 0 { Glibc.close(probe) }
        if fd >= 0 { Glibc.close(fd) }
        return .cannotOpen(path: path, code: .unreadable, reason: reason)
      }
      defer { Glibc.close(probe) }
      var head = [UInt8](repeating: 0, count: 16)
      let headCount = max(0, head.withUnsafeMutableBytes { pread(probe, $0.baseAddress, 16, 0) })
      var info = SF_INFO()
      if let handle = sf_open_fd(fd, Int32(SFM_READ), &info, 1) {
        sf_close(handle)
        return .cannotOpen(
          path: path, code: .unreadable, reason: "the file changed while it was being opened")
      }
      let number = sf_error(nil)
      let reason = String(cString: sf_strerror(nil))
      let log = Self.log(of: nil)
      let cutShort =
        headCount >= 4 && head[0..<4] == [0x4F, 0x67, 0x67, 0x53]  // "OggS"
        && !Self.oggEndsWithLastPage(probe, size: size)
      return classifyOpenFailure(
        path: path, libraryCode: number, reason: reason, log: log,
        head: Array(head.prefix(headCount)), size: size, cutShort: cutShort)
    }
  }

  private static func declaresMoreData(_ log: String) -> Bool {
    // libsndfile logs "data : 176400 (should be 88178)" when the file is shorter than declared.
    for line in log.split(separator: "\n") where line.contains("(should be") {
      let words = line.split(whereSeparator: { !$0.isNumber })
      // 0xFFFFFFFF (and 0xFFFFFFFF - 8 for RIFF) is what streaming writers put in a header they
      // cannot go back to; that file is whole, not truncated.
      if words.count >= 2, let declared = Int64(words[words.count - 2]),
        let actual = Int64(words[words.count - 1]), declared > actual,
        declared < 0xFFFF_FFF0
      {
        return true
      }
    }
    return false
  }

  /// Checks an Ogg file page by page (`OggSerial.damage`); does nothing for other formats.
  ///
  /// Call it wherever a file is decoded to be trusted (atk-scan --verify, atk-convert,
  /// atk-split): a page that fails its checksum is skipped by the decoder without an error,
  /// and libsndfile counts the length from the first page it can read, so only the pages show
  /// the audio lost.
  ///
  /// - Throws: `SoundFileError.damaged` coded `corrupt`, naming the first damaged page.
  public func checkOggPages() throws(SoundFileError) {
    guard Int(info.format) & SF_FORMAT_TYPEMASK == SF_FORMAT_OGG else { return }
    let fd = path.withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
    var status = stat()
    guard fd >= 0, fstat(fd, &status) == 0 else {
      let reason = String(cString: strerror(errno))
      if fd >= 0 { Glibc.close(fd) }
      throw .cannotRead(path: path, reason: reason)
    }
    defer { Glibc.close(fd) }
    if let damage = OggSerial.damage(descriptor: fd, size: Int64(status.st_size)) {
      throw .damaged(path: path, code: .corrupt, reason: "corrupt: Ogg \(damage)")
    }
  }

  /// Whether the Ogg file at `path` ends with a whole page flagged end-of-stream.
  static func oggEndsWithLastPage(path: RawPath, size: Int64) -> Bool {
    let fd = path.withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else { return false }
    defer { Glibc.close(fd) }
    return oggEndsWithLastPage(fd, size: size)
  }

  /// Whether an Ogg file ends with a whole page flagged end-of-stream, as a finished one does.
  ///
  /// libsndfile calls an Ogg file cut short "malformed"; this tells the two apart. The last page
  /// starts within the last 65,307 bytes (the largest page), so only that tail is read.
  static func oggEndsWithLastPage(_ fd: Int32, size: Int64) -> Bool {
    let window = Int(min(size, 65_307))
    var tail = [UInt8](repeating: 0, count: window)
    let count = tail.withUnsafeMutableBytes {
      pread(fd, $0.baseAddress, window, off_t(size) - off_t(window))
    }
    guard count == window else { return false }
    var start = window - 27
    while start >= 0 {
      defer { start -= 1 }
      guard tail[start] == 0x4F, tail[start + 1] == 0x67, tail[start + 2] == 0x67,
        tail[start + 3] == 0x53, tail[start + 4] == 0
      else { continue }
      let segments = Int(tail[start + 26])
      guard start + 27 + segments <= window else { continue }
      let body = tail[(start + 27)..<(start + 27 + segments)].reduce(0) { $0 + Int($1) }
      if start + 27 + segments + body == window { return tail[start + 5] & 0x04 != 0 }
    }
    return false
  }

  private static func classifyOpenFailure(
    path: RawPath, libraryCode: Int32, reason: String, log: String, head: [UInt8], size: Int64,
    cutShort: Bool = false
  ) -> SoundFileError {
    if cutShort {
      return .cannotOpen(
        path: path, code: .truncated,
        reason: "truncated: the Ogg stream stops before its last page (\(reason))")
    }
    let magic4 = head.count >= 4 ? String(decoding: head[0..<4], as: UTF8.self) : ""
    if head.count >= 8, String(decoding: head[4..<8], as: UTF8.self) == "ftyp" {
      return .cannotOpen(
        path: path, code: .unsupportedFormat,
        reason: "MP4/M4A (AAC or ALAC) is not supported: libsndfile cannot read this container")
    }
    if head.count >= 4, head[0] == 0x30, head[1] == 0x26, head[2] == 0xB2, head[3] == 0x75 {
      return .cannotOpen(
        path: path, code: .unsupportedFormat, reason: "WMA/ASF is not supported by libsndfile")
    }
    if head.count >= 2, head[0] == 0xFF, head[1] & 0xF6 == 0xF0 {
      return .cannotOpen(
        path: path, code: .unsupportedFormat,
        reason: "raw AAC (ADTS) is not supported by libsndfile")
    }
    let knownMagic = ["RIFF", "RF64", "fLaC", "OggS", "FORM", "caff", ".snd", "riff"]
    let looksLikeAudio =
      knownMagic.contains(magic4) || magic4.hasPrefix("ID3")
      || (head.count >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0)
    if libraryCode == 1 {
      if looksLikeAudio && (log.contains("short count") || size < 4096) {
        return .cannotOpen(
          path: path, code: .truncated, reason: "truncated: the file ends inside its header")
      }
      if looksLikeAudio {
        return .cannotOpen(path: path, code: .corrupt, reason: "damaged header: \(reason)")
      }
      return .cannotOpen(path: path, code: .notAudio, reason: "not a recognised audio file")
    }
    if looksLikeAudio && (log.contains("short count") || log.contains("(should be")) {
      return .cannotOpen(path: path, code: .truncated, reason: "truncated: \(reason)")
    }
    return .cannotOpen(path: path, code: .corrupt, reason: reason)
  }

  /// libsndfile's log for this file (`SFC_GET_LOG_INFO`).
  public var log: String { Self.log(of: handle) }

  private static func log(of handle: OpaquePointer?) -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    sf_command(handle, Int32(SFC_GET_LOG_INFO), &buffer, Int32(buffer.count))
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// libsndfile's text for the last error on this file (`sf_strerror`).
  public var lastError: String { String(cString: sf_strerror(handle)) }

  /// Reads up to `frames` frames as 32-bit integers (`sf_readf_int`); returns frames read.
  public func read(into buffer: UnsafeMutablePointer<Int32>, frames: Int) -> Int {
    Int(sf_readf_int(handle, buffer, sf_count_t(frames)))
  }

  /// Reads up to `frames` frames as 16-bit integers (`sf_readf_short`); returns frames read.
  public func read(into buffer: UnsafeMutablePointer<Int16>, frames: Int) -> Int {
    Int(sf_readf_short(handle, buffer, sf_count_t(frames)))
  }

  /// Reads up to `frames` frames as floats in [-1, 1] (`sf_readf_float`); returns frames read.
  public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
    Int(sf_readf_float(handle, buffer, sf_count_t(frames)))
  }

  /// Reads up to `bytes` bytes of encoded sample data (`sf_read_raw`); PCM only.
  public func readRaw(into buffer: UnsafeMutableRawPointer, bytes: Int) -> Int {
    Int(sf_read_raw(handle, buffer, sf_count_t(bytes)))
  }

  /// Writes `frames` frames of 32-bit integers (`sf_writef_int`).
  ///
  /// - Throws: `SoundFileError.cannotWrite` on a short write (a full disk, say).
  public func write(_ buffer: UnsafePointer<Int32>, frames: Int) throws(SoundFileError) {
    if Int(sf_writef_int(handle, buffer, sf_count_t(frames))) != frames { throw writeError() }
  }

  /// Writes `frames` frames of 16-bit integers (`sf_writef_short`).
  public func write(_ buffer: UnsafePointer<Int16>, frames: Int) throws(SoundFileError) {
    if Int(sf_writef_short(handle, buffer, sf_count_t(frames))) != frames { throw writeError() }
  }

  /// Writes `frames` frames of floats (`sf_writef_float`).
  public func write(_ buffer: UnsafePointer<Float>, frames: Int) throws(SoundFileError) {
    if Int(sf_writef_float(handle, buffer, sf_count_t(frames))) != frames { throw writeError() }
  }

  /// Writes encoded sample data as it is (`sf_write_raw`); PCM only.
  public func writeRaw(_ buffer: UnsafeRawPointer, bytes: Int) throws(SoundFileError) {
    if Int(sf_write_raw(handle, buffer, sf_count_t(bytes))) != bytes { throw writeError() }
  }

  private func writeError() -> SoundFileError {
    if let reason = output?.failureReason { return .cannotWrite(path: path, reason: reason) }
    let reason = lastError
    return .cannotWrite(path: path, reason: reason == "No Error." ? "short write" : reason)
  }

  /// Moves to frame `frame` (`sf_seek`); returns false when the file cannot get there.
  public func seek(to frame: Int64) -> Bool {
    sf_seek(handle, sf_count_t(frame), SEEK_SET) == frame
  }

  /// Sets a `double` setting such as `SFC_SET_COMPRESSION_LEVEL` (`sf_command`).
  @discardableResult
  public func set(_ command: Int32, _ value: Double) -> Bool {
    var v = value
    return sf_command(handle, command, &v, Int32(MemoryLayout<Double>.size)) == Int32(SF_TRUE)
  }

  /// Sets a boolean setting such as `SFC_SET_CLIPPING` (`sf_command`).
  public func set(_ command: Int32, flag: Bool) {
    sf_command(handle, command, nil, Int32(flag ? SF_TRUE : SF_FALSE))
  }

  /// The text tags atk carries across: their record names and libsndfile's string ids.
  public static let tagKinds: [(name: String, id: Int32)] = [
    ("title", Int32(SF_STR_TITLE)), ("artist", Int32(SF_STR_ARTIST)),
    ("album", Int32(SF_STR_ALBUM)), ("date", Int32(SF_STR_DATE)),
    ("comment", Int32(SF_STR_COMMENT)), ("genre", Int32(SF_STR_GENRE)),
    ("tracknumber", Int32(SF_STR_TRACKNUMBER)), ("copyright", Int32(SF_STR_COPYRIGHT)),
    ("license", Int32(SF_STR_LICENSE)),
  ]

  /// The file's non-empty text tags by record name (`sf_get_string`).
  public var tags: [String: String] {
    var out: [String: String] = [:]
    for kind in Self.tagKinds {
      if let value = sf_get_string(handle, kind.id) {
        let text = String(cString: value)
        if !text.isEmpty { out[kind.name] = text }
      }
    }
    return out
  }

  /// Sets the text tags that this format can hold (`sf_set_string`); call before writing audio.
  public func setTags(_ tags: [String: String]) {
    for kind in Self.tagKinds {
      if let value = tags[kind.name] { _ = sf_set_string(handle, kind.id, value) }
    }
  }

  /// Closes the file (`sf_close`), reporting a failure to finish it.
  ///
  /// - Throws: `SoundFileError.cannotWrite` when a write failed (with the system's reason, such
  ///   as "No space left on device") or libsndfile could not write the trailer.
  public func close() throws(SoundFileError) {
    guard let handle else { return }
    self.handle = nil
    let result = sf_close(handle)
    if let reason = output?.failureReason { throw .cannotWrite(path: path, reason: reason) }
    if result > 0 {
      throw .cannotWrite(path: path, reason: String(cString: sf_error_number(result)))
    } else if result < 0 {
      // sf_error_number prints (to stdout) and explains nothing for a number it has no text for.
      throw .cannotWrite(path: path, reason: "libsndfile could not finish the file")
    }
  }
}

/// Why libsndfile could not read or write a file.
public enum SoundFileError: RecordError, Sendable {
  /// The file could not be opened as audio: `not_found`, `symlink_loop` (the code the folder
  /// walk gives), `unreadable`, `empty_file`, `truncated`, `corrupt`, `not_audio` or
  /// `unsupported_format`.
  case cannotOpen(path: RawPath, code: ErrorCode, reason: String)
  case cannotRead(path: RawPath, reason: String)
  case cannotWrite(path: RawPath, reason: String)
  /// The file opened, but decoding it found damage (`truncated`, `corrupt`).
  case damaged(path: RawPath, code: ErrorCode, reason: String)

  public var description: String {
    switch self {
    case .cannotOpen(_, _, let reason): "cannot open: \(reason)"
    case .cannotRead(_, let reason): "cannot read: \(reason)"
    case .damaged(_, _, let reason): reason
    case .cannotWrite(let path, let reason): "cannot write '\(path.display)': \(reason)"
    }
  }

  /// The `error.code` of a record that failed this way.
  public var code: ErrorCode {
    switch self {
    case .cannotOpen(_, let code, _), .damaged(_, let code, _): code
    case .cannotRead: .readError
    case .cannotWrite: .cannotWrite
    }
  }
}

/// A readers-writer lock around libsndfile's opens (see `SoundFile.openGate`).
final class OpenGate: @unchecked Sendable {
  private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

  init() { pthread_rwlock_init(lock, nil) }

  /// Runs `body` alongside other shared holders.
  func shared<R>(_ body: () -> R) -> R {
    pthread_rwlock_rdlock(lock)
    defer { pthread_rwlock_unlock(lock) }
    return body()
  }

  /// Runs `body` with no other holder.
  func exclusive<R>(_ body: () -> R) -> R {
    pthread_rwlock_wrlock(lock)
    defer { pthread_rwlock_unlock(lock) }
    return body()
  }
}
