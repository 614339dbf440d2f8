#if canImport(Glibc)
  import Glibc
#endif
import ATKRecords

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
