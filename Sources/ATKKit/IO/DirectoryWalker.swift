import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// Walks folders depth-first in byte order of names, following links to folders, never twice
/// into the same folder, so a link loop ends the walk with a report instead of a hang.
///
/// Memory holds one sorted listing per level of depth. Entries whose names start with `.` are
/// skipped unless `includeHidden` (atk's own temporary files start with `.`). The running
/// tool's own output folder met below the root is left out silently (`skipping`). Below the root,
/// atk's output folders (`atk-out`, and any folder holding an `OutputMarker`) are not entered
/// unless `includeOutputs`; each is returned as `.skipped`, so that re-running a pipeline on a
/// folder never takes the outputs of the last run for inputs.
public struct DirectoryWalker: IteratorProtocol, Sequence {
  /// What the walk found.
  public enum Entry: Sendable {
    /// A regular file (or a link to one) with its path below the root.
    case file(path: RawPath, relpath: RawPath)
    /// Something that could not be walked: an unreadable folder, a link loop, a dangling link.
    case problem(path: RawPath, relpath: RawPath, code: ErrorCode, message: String)
    /// A folder not entered, and why (an atk output folder).
    case skipped(path: RawPath, relpath: RawPath, reason: String)
  }

  private struct Level {
    var path: RawPath
    var relpath: RawPath
    var id: FolderID
    var names: [RawPath]
    var next = 0
  }

  private struct FolderID: Hashable {
    var device: UInt64
    var inode: UInt64
  }

  private let extensions: Set<String>?
  private let includeHidden: Bool
  private let includeOutputs: Bool
  private let skipping: RawPath?
  private var stack: [Level] = []
  private var visited: Set<FolderID> = []
  private var rootPending: RawPath?

  /// A walk of `root`; `extensions` (lowercase, no dot) limits which files are returned, and
  /// the folder `skipping` is left out when met below `root`.
  public init(
    root: RawPath, extensions: Set<String>?, includeHidden: Bool = false,
    includeOutputs: Bool = false, skipping: RawPath? = nil
  ) {
    self.extensions = extensions
    self.includeHidden = includeHidden
    self.includeOutputs = includeOutputs
    self.skipping = skipping
    self.rootPending = root
  }

  public mutating func next() -> Entry? {
    if let root = rootPending {
      rootPending = nil
      if let problem = enter(path: root, relpath: RawPath(bytes: [])) { return problem }
    }
    while !stack.isEmpty {
      let top = stack.count - 1
      guard stack[top].next < stack[top].names.count else {
        stack.removeLast()
        continue
      }
      let name = stack[top].names[stack[top].next]
      stack[top].next += 1
      let path = stack[top].path.appending(name)
      let relpath = stack[top].relpath.appending(name)
      var info = stat()
      let found = path.withCString { stat($0, &info) }
      if found != 0 {
        let code = errno
        var linkInfo = stat()
        if path.withCString({ lstat($0, &linkInfo) }) == 0 && (linkInfo.st_mode & S_IFMT) == S_IFLNK
        {
          // A broken link named like a file the filter skips (`cover.jpg`) is no concern of
          // this walk; one with no extension may have been a folder, so it is reported.
          let ext = name.fileExtension
          if let extensions, !ext.isEmpty, !extensions.contains(ext) { continue }
          if code == ELOOP {
            return .problem(
              path: path, relpath: relpath, code: .symlinkLoop,
              message: "symbolic link loop")
          }
          return .problem(
            path: path, relpath: relpath, code: .danglingLink,
            message: "symbolic link to a missing target")
        }
        return .problem(
          path: path, relpath: relpath, code: .unreadable,
          message: String(cString: strerror(code)))
      }
      switch info.st_mode & S_IFMT {
      case S_IFDIR:
        if isSkipped(info) { continue }
        if !includeOutputs, let reason = OutputMarker.reasonToSkip(path, name: name) {
          return .skipped(path: path, relpath: relpath, reason: reason)
        }
        if let problem = enter(path: path, relpath: relpath, info: info) { return problem }
      case S_IFREG:
        if let extensions, !extensions.contains(name.fileExtension) { continue }
        return .file(path: path, relpath: relpath)
      default:
        continue
      }
    }
    return nil
  }

  /// Whether `info` is the folder to leave out (looked up each time: it may be made during the
  /// walk).
  private func isSkipped(_ info: stat) -> Bool {
    var other = stat()
    guard let skipping, skipping.withCString({ stat($0, &other) }) == 0 else { return false }
    return other.st_dev == info.st_dev && other.st_ino == info.st_ino
  }

  /// Lists a folder and pushes it; returns a problem if it cannot be listed.
  private mutating func enter(path: RawPath, relpath: RawPath, info known: stat? = nil) -> Entry? {
    var info = known ?? stat()
    if known == nil, path.withCString({ stat($0, &info) }) != 0 {
      return .problem(
        path: path, relpath: relpath, code: .notFound, message: String(cString: strerror(errno)))
    }
    let id = FolderID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    if stack.contains(where: { $0.id == id }) {
      return .problem(
        path: path, relpath: relpath, code: .symlinkLoop,
        message: "symbolic link loop (leads back to a folder that contains it)")
    }
    // A second link to a folder already walked elsewhere: its files were already returned.
    guard visited.insert(id).inserted else { return nil }
    guard let folder = path.withCString({ opendir($0) }) else {
      return .problem(
        path: path, relpath: relpath, code: .unreadableFolder,
        message: "cannot list folder: \(String(cString: strerror(errno)))")
    }
    defer { closedir(folder) }
    var names: [RawPath] = []
    while let entry = readdir(folder) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
        let bytes = raw.bindMemory(to: UInt8.self)
        let length = bytes.firstIndex(of: 0) ?? bytes.count
        return Array(bytes[..<length])
      }
      if name == [0x2E] || name == [0x2E, 0x2E] { continue }
      if !includeHidden && name.first == 0x2E { continue }
      names.append(RawPath(bytes: name))
    }
    names.sort()
    stack.append(Level(path: path, relpath: relpath, id: id, names: names))
    return nil
  }
}
