import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// Where a tool's outputs go below `-o DIR`, and which input of the run may write each name.
///
/// One object per run, shared by the driver and the stage, for every tool that writes files:
///
/// - **Names.** A record's `relpath` (else its path's last component) mirrors below the output
///   folder. A `relpath` with a `..` component or a NUL byte, or one that names no file, fails
///   the record as `bad_record`.
/// - **Claims, in input order.** The driver admits each record in input order; a stage then
///   claims the name it writes (one output, or a pattern standing for a series of them) before
///   writing. Outputs are named from the `relpath`'s folder and stem, so inputs with the same
///   folder and stem are put in line: a later one waits until the earlier ones have said which
///   name they write, and, if it is the same, whether they wrote it. Only a written output
///   holds its name: a later input that wants it fails with `output_collision`; an input that
///   failed releases it. So the same input fails whatever `--jobs` is.
/// - **Folders.** The output folder may be (or lie behind) a symbolic link; it is made if
///   missing. Folders below it are made as needed, and one that is a symbolic link fails the
///   record (`cannot_write`), so no output lands outside the output folder.
/// - **Sources.** An existing file at an output's name is never replaced when it is an input of
///   the run (`output_is_source`): a file named on the command line, a file below a folder
///   named there (or on an input line) and walked, or the `path`, `origin` or `source` of a
///   record read so far, up to the one being written. (Any file below a walked folder counts,
///   whether or not the walk's filters would take it.) A walk skips the output folder when
///   it meets it below a walked folder, so outputs there are not inputs.
/// - **Read-only files.** An existing file at an output's name that belongs to another user,
///   or whose mode gives its owner no write permission, is not replaced
///   (`output_read_only`) unless `overwrite`. A symbolic link at an output's name is replaced
///   itself (never the file it points to); atk's own earlier outputs are replaced.
public final class OutputPaths: @unchecked Sendable {
  /// The output folder (`-o`).
  public let root: RawPath
  /// Replace files the user may not write (`--overwrite`).
  public let overwrite: Bool

  private struct FileID: Hashable {
    var device: UInt64
    var inode: UInt64
    init(_ info: stat) {
      device = UInt64(info.st_dev)
      inode = UInt64(info.st_ino)
    }
  }

  /// A file or folder of the run's input, from which input position on it counts.
  private struct Known {
    var from: Int
    var path: RawPath
  }

  /// An admitted input that has not finished.
  private struct Entry {
    var key: RawPath
    var input: RawPath
    var name: RawPath?
  }

  private let monitor = Monitor()
  private var inputs: [FileID: Known] = [:]
  private var folders: [FileID: Known] = [:]
  private var entries: [Int: Entry] = [:]
  private var inLine: [RawPath: [Int]] = [:]
  private var written: [RawPath: RawPath] = [:]

  /// The outputs of a run writing below `root`.
  public init(root: RawPath, overwrite: Bool = false) {
    self.root = root
    self.overwrite = overwrite
  }

  // MARK: - Names

  /// The record's `relpath` (else its path's last component) without `.` and empty
  /// components: the output's place below the output folder, before the tool names the file.
  ///
  /// - Throws: `OutputError.badRelpath` when it holds `..` or a NUL byte, or names no file.
  public static func relativePath(of record: Record, path: RawPath) throws(OutputError)
    -> RawPath
  {
    let relpath = record.relpath ?? path.lastComponent
    var parts: [ArraySlice<UInt8>] = []
    for component in relpath.bytes.split(separator: UInt8(ascii: "/")) {
      if component.elementsEqual(".".utf8) { continue }
      if component.elementsEqual("..".utf8) {
        throw .badRelpath(relpath, reason: "leads out of the output folder (it holds '..')")
      }
      if component.contains(0) { throw .badRelpath(relpath, reason: "holds a NUL byte") }
      parts.append(component)
    }
    guard !parts.isEmpty else { throw .badRelpath(relpath, reason: "names no file") }
    return RawPath(bytes: Array(parts.joined(separator: [UInt8(ascii: "/")])))
  }

  /// The folder part of a relative path: empty for a bare name.
  public static func folder(of relative: RawPath) -> RawPath {
    relative.bytes.contains(UInt8(ascii: "/")) ? relative.parent : RawPath(bytes: [])
  }

  // MARK: - The driver's side

  /// Notes the files and folders named on the command line: inputs of the run from the start.
  public func noteArguments(_ paths: [RawPath]) {
    for path in paths {
      guard let info = Self.status(path, following: true) else { continue }
      monitor.locked {
        if (info.st_mode & S_IFMT) == S_IFDIR {
          Self.note(&folders, FileID(info), path, from: 0)
        } else {
          Self.note(&inputs, FileID(info), path, from: 0)
        }
      }
    }
  }

  /// Notes a folder whose walk starts at input position `sequence`.
  public func noteFolder(_ path: RawPath, from sequence: Int) {
    guard let info = Self.status(path, following: true), (info.st_mode & S_IFMT) == S_IFDIR
    else { return }
    monitor.locked { Self.note(&folders, FileID(info), path, from: sequence) }
  }

  /// Notes the files a record names (`path`, `origin`, `source`) as inputs of the run from
  /// input position `sequence` on.
  public func noteInputs(of record: Record, at sequence: Int) {
    for key in [Record.Key.path, Record.Key.origin, Record.Key.source] {
      guard let bytes = record[key]?.stringBytes, !bytes.isEmpty, !bytes.contains(0) else {
        continue
      }
      let path = RawPath(bytes: bytes)
      guard let info = Self.status(path, following: true), (info.st_mode & S_IFMT) != S_IFDIR
      else { continue }
      monitor.locked { Self.note(&inputs, FileID(info), path, from: sequence) }
    }
  }

  private static func note(_ known: inout [FileID: Known], _ id: FileID, _ path: RawPath, from: Int)
  {
    if let earlier = known[id], earlier.from <= from { return }
    known[id] = Known(from: from, path: path)
  }

  /// Admits the record at input position `sequence`: checks its `relpath` and puts it in line
  /// behind the earlier inputs whose outputs share its folder and stem.
  ///
  /// - Throws: `OutputError.badRelpath`.
  public func admit(_ record: Record, at sequence: Int) throws(OutputError) {
    guard let path = record.path else { return }
    let relative = try Self.relativePath(of: record, path: path)
    let key = Self.folder(of: relative).appending(relative.stem)
    monitor.locked {
      entries[sequence] = Entry(key: key, input: path)
      inLine[key, default: []].append(sequence)
    }
  }

  /// Ends the input at `sequence`: the name it claimed stays claimed if it wrote its outputs,
  /// and is released otherwise, so a later input may write it.
  public func finish(_ sequence: Int, wrote: Bool) {
    monitor.locked {
      guard let entry = entries.removeValue(forKey: sequence) else { return }
      inLine[entry.key]?.removeAll { $0 == sequence }
      if inLine[entry.key]?.isEmpty == true { inLine[entry.key] = nil }
      if wrote, let name = entry.name { written[name] = entry.input }
      monitor.broadcast()
    }
  }

  // MARK: - The stage's side

  /// Claims `name` for the input `input` at `context.sequence`, then checks the folders and
  /// files it will write.
  ///
  /// Waits while an earlier input with the same folder and stem may still write the same name.
  /// `name` and `files` are relative to the output folder; `name` is the output itself or a
  /// pattern standing for a series (`take_segment_NNN.wav`).
  ///
  /// - Throws: `OutputError`: `collision` when an earlier input wrote `name`; `isSource`,
  ///   `readOnly`, `cannotCreate`, `notAFolder` or `linkBelowOutputFolder` for a file that may
  ///   not be written; `interrupted` when a stop was asked for while waiting.
  public func claim(
    _ name: RawPath, files: [RawPath], input: RawPath, context: StageContext
  ) throws(OutputError) {
    let fullName = root.appending(name)
    try waitForTurn(fullName, input: input, sequence: context.sequence).get()
    var prepared: RawPath?
    for file in files {
      let folder = Self.folder(of: file)
      if folder != prepared {
        try prepareFolder(folder, for: root.appending(file))
        prepared = folder
      }
      try check(root.appending(file), sequence: context.sequence ?? Int.max)
    }
  }

  /// Waits until no earlier input may still write `name`; fails if one wrote it.
  private func waitForTurn(_ name: RawPath, input: RawPath, sequence: Int?)
    -> Result<Void, OutputError>
  {
    monitor.locked {
      guard let sequence, let key = entries[sequence]?.key else {
        // Not admitted by a driver (a stage run on its own): first come, first served.
        if let owner = written[name], owner != input {
          return .failure(.collision(path: name, other: owner))
        }
        written[name] = input
        return .success(())
      }
      entries[sequence]?.name = name
      monitor.broadcast()
      while true {
        if let owner = written[name] { return .failure(.collision(path: name, other: owner)) }
        let ahead = (inLine[key] ?? []).contains { other in
          guard other < sequence, let entry = entries[other] else { return false }
          return entry.name == nil || entry.name == name
        }
        if !ahead { return .success(()) }
        if Cancellation.isRequested { return .failure(.interrupted) }
        monitor.wait(milliseconds: 100)
      }
    }
  }

  /// Makes the output folder and `relative` below it, refusing a symbolic link below it.
  private func prepareFolder(_ relative: RawPath, for file: RawPath) throws(OutputError) {
    if !FileSystem.isDirectory(root) {
      do { try FileSystem.makeDirectories(root) } catch {
        if let inTheWay = FileSystem.fileInTheWay(of: root) {
          throw .notAFolder(path: file, file: inTheWay, isOutputFolder: inTheWay == root)
        }
        throw .cannotCreate(path: file, reason: error.description)
      }
      if let inTheWay = FileSystem.fileInTheWay(of: root) {
        throw .notAFolder(path: file, file: inTheWay, isOutputFolder: inTheWay == root)
      }
    }
    var current = root
    for component in relative.bytes.split(separator: UInt8(ascii: "/")) {
      current = current.appending(RawPath(bytes: Array(component)))
      var info = Self.status(current, following: false)
      if info == nil {
        if current.withCString({ mkdir($0, 0o777) }) != 0 && errno != EEXIST {
          throw .cannotCreate(path: file, reason: String(cString: strerror(errno)))
        }
        info = Self.status(current, following: false)
      }
      guard let info else {
        throw .cannotCreate(path: file, reason: String(cString: strerror(errno)))
      }
      switch info.st_mode & S_IFMT {
      case S_IFDIR: continue
      case S_IFLNK: throw .linkBelowOutputFolder(path: file, link: current)
      default: throw .notAFolder(path: file, file: current, isOutputFolder: false)
      }
    }
  }

  /// Checks what has the name `file` now: nothing, a link, or a file that may be replaced.
  private func check(_ file: RawPath, sequence: Int) throws(OutputError) {
    guard let info = Self.status(file, following: false) else { return }
    let kind = info.st_mode & S_IFMT
    if kind == S_IFLNK { return }
    if kind == S_IFDIR { throw .cannotCreate(path: file, reason: "a folder has that name") }
    let id = FileID(info)
    let known = monitor.locked { inputs[id].flatMap { $0.from <= sequence ? $0 : nil } }
    if let known {
      throw .isSource(path: file, reason: "the input '\(known.path.display)' of this run")
    }
    if let folder = walkedFolder(holding: file.parent, sequence: sequence) {
      throw .isSource(
        path: file, reason: "a file below '\(folder.display)', a folder this run reads")
    }
    if kind != S_IFREG {
      throw .cannotCreate(path: file, reason: "\(FileSystem.kindName(info.st_mode)) has that name")
    }
    guard !overwrite else { return }
    if info.st_uid != geteuid() {
      throw .readOnly(path: file, reason: "belongs to another user (uid \(info.st_uid))")
    }
    if info.st_mode & S_IWUSR == 0 {
      let mode = "0" + String(info.st_mode & 0o7777, radix: 8)
      throw .readOnly(path: file, reason: "is read-only (mode \(mode))")
    }
  }

  /// The walked folder (noted at or before `sequence`) that holds `folder`, looking up through
  /// its parents; nil when none does, or the output folder comes first (a walk skips it).
  private func walkedFolder(holding folder: RawPath, sequence: Int) -> RawPath? {
    guard monitor.locked({ !folders.isEmpty }) else { return nil }
    let outputFolder = Self.status(root, following: true).map(FileID.init)
    var fd = folder.withCString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    defer { if fd >= 0 { close(fd) } }
    var chain: [FileID] = []
    var info = stat()
    while fd >= 0, fstat(fd, &info) == 0, chain.count < 4096 {
      let id = FileID(info)
      if chain.last == id { break }
      chain.append(id)
      let parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
      close(fd)
      fd = parent
    }
    return monitor.locked {
      for id in chain {
        if let known = folders[id], known.from <= sequence { return known.path }
        if id == outputFolder { return nil }
      }
      return nil
    }
  }

  /// `stat(2)` (or `lstat(2)`) of `path`, nil when it fails.
  private static func status(_ path: RawPath, following: Bool) -> stat? {
    var info = stat()
    let result = path.withCString { following ? stat($0, &info) : lstat($0, &info) }
    return result == 0 ? info : nil
  }
}
