#if canImport(Glibc)
  import Glibc
#endif
import ATKRecords

/// An output written under a temporary name in its destination folder and renamed into place.
///
/// The temporary name is `.NAME.atk-tmp`, the same on every run, and the file is held with
/// `flock(2)` while it is written. So no half-written file ever carries the final name; a run
/// killed with SIGKILL leaves a temporary file that the next run of the same output reuses;
/// and two processes writing the same output at once are caught instead of interleaving.
public final class OutputFile {
  /// Where the output ends up.
  public let finalPath: RawPath
  /// Where it is written first.
  public let temporaryPath: RawPath
  /// The open descriptor of the temporary file.
  public let descriptor: Int32
  private let sync: Bool
  private var done = false

  /// Creates the destination folder if needed and opens the temporary file.
  ///
  /// - Parameter sync: `fsync(2)` the file before renaming it and the folder after.
  /// - Throws: `OutputError` when the folder or the file cannot be made, or another process is
  ///   writing the same output.
  public init(finalPath: RawPath, sync: Bool = false) throws(OutputError) {
    self.finalPath = finalPath
    self.sync = sync
    let folder = finalPath.parent
    do {
      try FileSystem.makeDirectories(folder)
    } catch {
      throw .cannotCreate(path: folder, reason: error.description)
    }
    self.temporaryPath = folder.appending(Self.temporaryName(for: finalPath.lastComponent))
    let fd = temporaryPath.withCString { open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o666) }
    guard fd >= 0 else {
      throw .cannotCreate(path: temporaryPath, reason: String(cString: strerror(errno)))
    }
    // The lock must be on the file that still has the temporary name: another writer may have
    // renamed it into place (or removed it) between our open and our flock. Truncating it then
    // would empty that writer's finished output, so the overlap counts as a collision too.
    guard flock(fd, LOCK_EX | LOCK_NB) == 0, Self.descriptor(fd, isStillAt: temporaryPath) else {
      Glibc.close(fd)
      throw .busy(path: finalPath)
    }
    guard ftruncate(fd, 0) == 0 else {
      let reason = String(cString: strerror(errno))
      Glibc.close(fd)
      throw .cannotCreate(path: temporaryPath, reason: reason)
    }
    self.descriptor = fd
  }

  deinit { abandon() }

  /// Whether `path` names the file open on `fd` (same device and inode).
  private static func descriptor(_ fd: Int32, isStillAt path: RawPath) -> Bool {
    var open = stat()
    var named = stat()
    guard fstat(fd, &open) == 0, path.withCString({ stat($0, &named) }) == 0 else { return false }
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

  /// Renames the finished file into place.
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
    let renamed = temporaryPath.withCString { from in
      finalPath.withCString { to in rename(from, to) }
    }
    if renamed != 0 {
      let reason = String(cString: strerror(errno))
      abandon()
      throw .cannotFinish(path: finalPath, reason: reason)
    }
    done = true
    Glibc.close(descriptor)
    if sync {
      let folder = finalPath.parent.withCString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
      if folder >= 0 {
        fsync(folder)
        Glibc.close(folder)
      }
    }
  }

  /// Removes the temporary file; the final name is left as it was.
  public func abandon() {
    guard !done else { return }
    done = true
    FileSystem.remove(temporaryPath)
    Glibc.close(descriptor)
  }
}

/// Why an output could not be written.
public enum OutputError: Error, Sendable, CustomStringConvertible {
  case cannotCreate(path: RawPath, reason: String)
  case busy(path: RawPath)
  case cannotFinish(path: RawPath, reason: String)

  public var description: String {
    switch self {
    case .cannotCreate(let path, let reason): "cannot create '\(path.display)': \(reason)"
    case .busy(let path):
      "'\(path.display)' is being written by another process (two inputs map to one output?)"
    case .cannotFinish(let path, let reason): "cannot finish '\(path.display)': \(reason)"
    }
  }

  /// The `error.code` of a record that failed this way.
  public var code: String {
    switch self {
    case .cannotCreate, .cannotFinish: "cannot_write"
    case .busy: "output_collision"
    }
  }
}
