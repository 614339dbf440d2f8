import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// The few file-system questions atk asks, on byte paths.
public enum FileSystem {
  /// Whether `path` names a folder (following links).
  public static func isDirectory(_ path: RawPath) -> Bool {
    var info = stat()
    return path.withCString { stat($0, &info) } == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// `stat(2)` of `path`, or the `errno` that stopped it.
  public static func status(_ path: RawPath) -> Result<stat, SystemError> {
    var info = stat()
    if path.withCString({ stat($0, &info) }) == 0 { return .success(info) }
    return .failure(SystemError(code: errno))
  }

  /// Creates `path` and its missing parents, like `mkdir -p`.
  ///
  /// - Throws: `SystemError` when a folder cannot be created.
  public static func makeDirectories(_ path: RawPath) throws(SystemError) {
    if path.isEmpty || isDirectory(path) { return }
    let parent = path.parent
    if parent != path { try makeDirectories(parent) }
    if path.withCString({ mkdir($0, 0o777) }) != 0 && errno != EEXIST {
      throw SystemError(code: errno)
    }
  }

  /// The first of `folder` and its parents, from the top, that exists and is not a folder
  /// (following links); nil when there is none.
  public static func fileInTheWay(of folder: RawPath) -> RawPath? {
    var chain = [folder]
    while let last = chain.last, last.parent != last, last.parent != RawPath(".") {
      chain.append(last.parent)
    }
    for path in chain.reversed() {
      var info = stat()
      if path.withCString({ stat($0, &info) }) == 0 && (info.st_mode & S_IFMT) != S_IFDIR {
        return path
      }
    }
    return nil
  }

  /// What kind of file a mode says, for messages: `a FIFO`, `a character device`, ...
  public static func kindName(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFREG: "a regular file"
    case S_IFDIR: "a folder"
    case S_IFLNK: "a symbolic link"
    case S_IFIFO: "a FIFO"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFSOCK: "a socket"
    default: "a special file"
    }
  }

  /// Whether `path` lies below /proc or /sys (links resolved), whose files report 0 bytes.
  public static func isKernelFile(_ path: RawPath) -> Bool {
    guard let resolved = path.withCString({ realpath($0, nil) }) else { return false }
    defer { free(resolved) }
    let text = String(cString: resolved)
    return ["/proc", "/sys"].contains { text == $0 || text.hasPrefix($0 + "/") }
  }

  /// Removes a file, ignoring errors.
  public static func remove(_ path: RawPath) {
    _ = path.withCString { unlink($0) }
  }

  /// The current working folder.
  public static func currentDirectory() -> RawPath {
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return RawPath(".") }
    return RawPath(bytes: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) })
  }

  /// The path made absolute against the current folder (no resolution of links or `..`).
  public static func absolute(_ path: RawPath) -> RawPath {
    path.isAbsolute ? path : currentDirectory().appending(path)
  }
}

/// An `errno` value with its text.
public struct SystemError: Error, Sendable, CustomStringConvertible {
  public var code: Int32
  public init(code: Int32) { self.code = code }
  public var description: String { String(cString: strerror(code)) }
}
