import ATKRecords
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The small file that marks a folder as holding atk's outputs, so that folder walks skip it.
///
/// atk-convert and atk-split leave `.atk-output` at the top of their output folder (`-o`) once
/// per run, after the first output is in place. `DirectoryWalker` does not go into a folder
/// holding one, nor into one named `atk-out` (the default output folder), unless asked
/// (`--include-outputs`): so `atk-scan .` after a run in `.` does not take the outputs for
/// sources. Only the marker's presence counts, never its content.
public final class OutputMarker: Sendable {
  /// The marker's file name.
  public static let fileName = ".atk-output"
  /// The output folder's name when `-o` is not given.
  public static let defaultFolderName = "atk-out"

  static let text = Array(
    """
    atk wrote outputs into this folder. atk-scan and the other atk tools do not walk into it
    when they walk a folder above it, unless given --include-outputs.

    """.utf8)

  private let done = Mutex(false)

  /// A marker to place once.
  public init() {}

  /// Marks `folder` on the first call that finds it made, and does nothing on later ones; a
  /// failure is a warning, never an error: the outputs are written all the same.
  ///
  /// The current folder (`-o .`) is not marked: it holds more than outputs, and a walk from
  /// above would skip it all.
  public func place(in folder: RawPath, diagnostics: Diagnostics) {
    guard !done.withLock({ $0 }), FileSystem.isDirectory(folder) else { return }
    let first = done.withLock { done -> Bool in
      defer { done = true }
      return !done
    }
    guard first, !Self.isCurrentDirectory(folder) else { return }
    if let reason = Self.write(in: folder) {
      diagnostics.warning(
        "cannot write the marker '\(Self.fileName)' in the output folder: \(reason); "
          + "a walk of a folder above it will take its outputs for inputs",
        path: folder)
    }
  }

  /// Makes `folder/.atk-output` unless something already has that name (`open(2)` with
  /// `O_CREAT | O_EXCL | O_NOFOLLOW`, so it is made whole or not at all, and never through a
  /// link).
  ///
  /// - Returns: why it could not be made, or nil.
  public static func write(in folder: RawPath) -> String? {
    let path = folder.appending(RawPath(fileName))
    let fd = path.withCString {
      open($0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    }
    if fd < 0 { return errno == EEXIST ? nil : String(cString: strerror(errno)) }
    let code = text.withUnsafeBytes { Descriptor.writeAll(fd, $0.baseAddress!, count: $0.count) }
    let closed = close(fd) == 0 ? 0 : errno
    if code != 0 || closed != 0 {
      FileSystem.remove(path)
      return String(cString: strerror(code != 0 ? code : closed))
    }
    return nil
  }

  /// Why a walk skips the folder `path` (named `name`), or nil when it is walked.
  public static func reasonToSkip(_ path: RawPath, name: RawPath) -> String? {
    if name == RawPath(defaultFolderName) { return "atk's default output folder" }
    var info = stat()
    if path.appending(RawPath(fileName)).withCString({ lstat($0, &info) }) == 0 {
      return "an atk output folder (it holds '\(fileName)')"
    }
    return nil
  }

  private static func isCurrentDirectory(_ folder: RawPath) -> Bool {
    var here = stat()
    var there = stat()
    guard stat(".", &here) == 0, folder.withCString({ stat($0, &there) }) == 0 else {
      return false
    }
    return here.st_dev == there.st_dev && here.st_ino == there.st_ino
  }
}
