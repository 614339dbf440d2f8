import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// An output written under a temporary name in its destination folder and renamed into place.
///
/// The temporary name is `.NAME.atk-tmp`, the same on every run. It is always created afresh
/// (`O_CREAT | O_EXCL | O_NOFOLLOW`), so nothing already there is written through: not a
/// symbolic link planted under that name, not another user's file. A temporary file left by a
/// run killed with SIGKILL (a regular file of this user that no process holds) is removed first;
/// anything else under that name fails the output. The file is held with `flock(2)` while it is
/// written, so two processes writing the same output at once are caught instead of
/// interleaving. Both names are used relative to the open destination folder (`openat(2)`,
/// `renameat(2)`). Renaming replaces what has the final name; when that is a symbolic link,
/// the link itself is replaced, never the file it points to.
///
/// Messages name the final path, never the temporary one.
public final class OutputFile {
  /// Where the output ends up.
  public let finalPath: RawPath
  /// Where it is written first.
  public let temporaryPath: RawPath
  /// The open descriptor of the temporary file.
  public let descriptor: Int32
  /// The open destination folder.
  private let folder: Int32
  private let name: RawPath
  private let temporaryName: RawPath
  private let sync: Bool
  private var done = false

  /// Creates the destination folder if needed and creates the temporary file.
  ///
  /// - Parameter sync: `fsync(2)` the file before renaming it and the folder after.
  /// - Throws: `OutputError` when the folder or the file cannot be made, something that is not
  ///   atk's own temporary file is in the way, or another process is writing the same output.
  public init(finalPath: RawPath, sync: Bool = false) throws(OutputError) {
    self.finalPath = finalPath
    self.sync = sync
    let folderPath = finalPath.parent
    name = finalPath.lastComponent
    temporaryName = Self.temporaryName(for: name)
    temporaryPath = folderPath.appending(temporaryName)
    do {
      try FileSystem.makeDirectories(folderPath)
    } catch {
      throw Self.folderError(folderPath, for: finalPath, error)
    }
    let folder = folderPath.withCString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    guard folder >= 0 else {
      throw Self.folderError(folderPath, for: finalPath, SystemError(code: errno))
    }
    do {
      descriptor = try Self.createTemporary(temporaryName, in: folder, for: finalPath)
    } catch {
      Glibc.close(folder)
      throw error
    }
    self.folder = folder
  }

  deinit { abandon() }

  /// The error for a destination folder that cannot be made or opened: a file in its way is
  /// named.
  private static func folderError(_ folder: RawPath, for path: RawPath, _ error: SystemError)
    -> OutputError
  {
    if let file = FileSystem.fileInTheWay(of: folder) {
      return .notAFolder(path: path, file: file, isOutputFolder: false)
    }
    return .cannotCreate(path: path, reason: error.description)
  }

  /// Creates and locks the temporary file, removing a stale one first.
  private static func createTemporary(_ temporary: RawPath, in folder: Int32, for path: RawPath)
    throws(OutputError) -> Int32
  {
    for _ in 0..<4 {
      let fd = temporary.withCString {
        openat(folder, $0, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
      }
      if fd >= 0 {
        // Another writer that found the file before this lock took it for a stale one: it
        // holds the lock, or has removed the name already. Either way, it is not ours.
        guard flock(fd, LOCK_EX | LOCK_NB) == 0, isNamed(fd, temporary, in: folder) else {
          Glibc.close(fd)
          throw .busy(path: path)
        }
        return fd
      }
      guard errno == EEXIST else {
        throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
      }
      try removeStale(temporary, in: folder, for: path)
    }
    throw .busy(path: path)
  }

  /// Removes a temporary file a killed run left: a regular file of this user that no process
  /// holds. Returns without removing anything when the name changed meanwhile (the caller
  /// tries again).
  private static func removeStale(_ temporary: RawPath, in folder: Int32, for path: RawPath)
    throws(OutputError)
  {
    var info = stat()
    guard temporary.withCString({ fstatat(folder, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else {
      if errno == ENOENT { return }
      throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
    }
    guard (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == geteuid() else {
      throw .temporaryInTheWay(
        path: path,
        what: (info.st_mode & S_IFMT) == S_IFREG
          ? "a file of another user" : FileSystem.kindName(info.st_mode))
    }
    let fd = temporary.withCString {
      openat(folder, $0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    }
    guard fd >= 0 else {
      if errno == ENOENT { return }
      throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
    }
    defer { Glibc.close(fd) }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw .busy(path: path) }
    if isNamed(fd, temporary, in: folder) {
      _ = temporary.withCString { unlinkat(folder, $0, 0) }
    }
  }

  /// Whether `name` in `folder` is the file open on `fd` (same device and inode).
  private static func isNamed(_ fd: Int32, _ name: RawPath, in folder: Int32) -> Bool {
    var open = stat()
    var named = stat()
    guard fstat(fd, &open) == 0,
      name.withCString({ fstatat(folder, $0, &named, AT_SYMLINK_NOFOLLOW) }) == 0
    else { return false }
    return open.st_dev == named.st_dev && open.st_ino == named.st_ino
  }

  /// `.NAME.atk-tmp`, or a hashed name when that would pass the 255-byte limit.
  static func temporaryName(for name: RawPath) -> RawPath {
    let suffix = Array(".atk-tmp".utf8)
    if name.bytes.count + 1 + suffix.count <= 255 {
      return RawPath(bytes: [UInt8(ascii: ".")] + name.bytes + suffix)
    }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.bytes {
      hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return RawPath(".atk-\(String(hash, radix: 16))\(String(decoding: suffix, as: UTF8.self))")
  }

  /// Renames the finished file into place (`renameat(2)`).
  ///
  /// - Throws: `OutputError.cannotFinish` when syncing or renaming fails; the temporary file is
  ///   removed then.
  public func commit() throws(OutputError) {
    guard !done else { return }
    if sync && fsync(descriptor) != 0 {
      let reason = String(cString: strerror(errno))
      abandon()
      throw .cannotFinish(path: finalPath, reason: reason)
    }
    let renamed = temporaryName.withCString { from in
      name.withCString { to in renameat(folder, from, folder, to) }
    }
    if renamed != 0 {
      let reason = String(cString: strerror(errno))
      abandon()
      throw .cannotFinish(path: finalPath, reason: reason)
    }
    done = true
    Glibc.close(descriptor)
    if sync { fsync(folder) }
    Glibc.close(folder)
  }

  /// Removes the temporary file; the final name is left as it was.
  public func abandon() {
    guard !done else { return }
    done = true
    if Self.isNamed(descriptor, temporaryName, in: folder) {
      _ = temporaryName.withCString { unlinkat(folder, $0, 0) }
    }
    Glibc.close(descriptor)
    Glibc.close(folder)
  }
}

/// Why an output could not be written, or may not be.
public enum OutputError: RecordError, Sendable {
  /// The file or its folder could not be made.
  case cannotCreate(path: RawPath, reason: String)
  /// A file (not a folder) is where a folder of the output must be.
  case notAFolder(path: RawPath, file: RawPath, isOutputFolder: Bool)
  /// A folder below the output folder is a symbolic link.
  case linkBelowOutputFolder(path: RawPath, link: RawPath)
  /// Something other than atk's own temporary file has the output's temporary name.
  case temporaryInTheWay(path: RawPath, what: String)
  /// Another process is writing the same output.
  case busy(path: RawPath)
  /// The finished file could not be synced or renamed into place.
  case cannotFinish(path: RawPath, reason: String)
  /// The output would replace an input of this run.
  case isSource(path: RawPath, reason: String)
  /// A file the user may not write has the output's name (and `--overwrite` was not given).
  case readOnly(path: RawPath, reason: String)
  /// An earlier input of this run wrote this output (or series of outputs).
  case collision(path: RawPath, other: RawPath)
  /// The record's `relpath` cannot name a file below the output folder.
  case badRelpath(RawPath, reason: String)
  /// A stop was asked for while the input waited for its turn.
  case interrupted

  public var description: String {
    switch self {
    case .cannotCreate(let path, let reason): "cannot create '\(path.display)': \(reason)"
    case .notAFolder(let path, let file, let isOutputFolder):
      isOutputFolder
        ? "cannot create '\(path.display)': the output folder '\(file.display)' is a file"
        : "cannot create '\(path.display)': '\(file.display)' is a file, not a folder"
    case .linkBelowOutputFolder(let path, let link):
      "cannot create '\(path.display)': '\(link.display)' is a symbolic link, and atk follows "
        + "no link below the output folder"
    case .temporaryInTheWay(let path, let what):
      "cannot create '\(path.display)': the hidden name it is first written under is taken by "
        + "\(what), which atk neither writes through nor removes"
    case .busy(let path):
      "'\(path.display)' is being written by another process (two inputs map to one output?)"
    case .cannotFinish(let path, let reason): "cannot finish '\(path.display)': \(reason)"
    case .isSource(let path, let reason):
      "output '\(path.display)' would replace \(reason); sources are never replaced: choose "
        + "another -o folder"
    case .readOnly(let path, let reason):
      "output '\(path.display)' exists and \(reason); --overwrite replaces it"
    case .collision(let path, let other):
      "output '\(path.display)' is already written from '\(other.display)' earlier in this run"
    case .badRelpath(let relpath, let reason): "relpath '\(relpath.display)' \(reason)"
    case .interrupted: "interrupted"
    }
  }

  /// The `error.code` of a record that failed this way.
  public var code: ErrorCode {
    switch self {
    case .cannotCreate, .notAFolder, .linkBelowOutputFolder, .temporaryInTheWay, .cannotFinish:
      .cannotWrite
    case .busy, .collision: .outputCollision
    case .isSource: .outputIsSource
    case .readOnly: .outputReadOnly
    case .badRelpath: .badRecord
    case .interrupted: .interrupted
    }
  }
}
