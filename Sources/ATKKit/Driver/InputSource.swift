import ATKRecords

/// One unit of work for the driver.
enum InputItem: Sendable {
  /// A record for the stage.
  case work(Record, line: Int?)
  /// A failed or dropped record from upstream, passed on untouched.
  case passThrough(Record, line: Int?)
  /// A record this tool failed before the stage saw it (bad JSON, an unwalkable folder).
  case failure(Record, line: Int?)
}

/// Turns command-line paths, or standard input, into records.
///
/// Standard input may mix JSON records (lines starting with `{`) and plain path lines; with
/// `-0` it holds NUL-separated paths. A path that names a folder, on the command line or on a
/// plain line, is walked and stands for every audio file below it, each with a `relpath`.
struct InputSource {
  private let options: DriverOptions
  private var reader: LineReader?
  private var pendingArguments: [RawPath]
  private var walker: DirectoryWalker?
  private var walkLine: Int?
  private let skipping: RawPath?
  private var walkedFolders: [RawPath] = []
  /// The `step` of the records failed here: the stage's.
  private let step: String

  /// Input as `options` say, for a stage named `step`; walks leave out the folder `skipping`
  /// (the output folder) when they meet it below the folder they walk.
  init(options: DriverOptions, step: String, skipping: RawPath? = nil) {
    self.options = options
    self.step = step
    self.skipping = skipping
    self.pendingArguments = options.arguments.reversed()
    if options.arguments.isEmpty {
      var reader = LineReader(
        fd: StandardStreams.input, delimiter: options.nulSeparated ? 0 : 0x0A,
        maxLineBytes: options.maxRecordBytes)
      reader.shouldStop = { Cancellation.isRequested }
      self.reader = reader
    }
  }

  /// The next item, nil at the end of input.
  ///
  /// - Throws: `LineReaderError` when standard input cannot be read.
  mutating func next() throws -> InputItem? {
    while true {
      if walker != nil {
        if let entry = walker!.next() {
          if let item = item(for: entry) { return item }
          continue
        }
        walker = nil
      }
      if Cancellation.isRequested { return nil }
      if !pendingArguments.isEmpty {
        if let item = start(path: pendingArguments.removeLast(), line: nil) { return item }
        continue
      }
      guard reader != nil, let unit = try reader!.next() else { return nil }
      switch unit {
      case .tooLong(let number, let bytes):
        return badLine(
          number, text: [],
          message: "record of \(bytes) bytes is longer than the limit of "
            + "\(options.maxRecordBytes) (--max-record-bytes)")
      case .line(let bytes, let number):
        if !options.nulSeparated, let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 }),
          first == UInt8(ascii: "{")
        {
          do {
            let record = try Record(line: bytes)
            return record.isTerminal
              ? .passThrough(record, line: number) : .work(record, line: number)
          } catch {
            return badLine(number, text: bytes, message: error.description)
          }
        }
        if !options.nulSeparated, bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
          continue
        }
        if let item = start(path: RawPath(bytes: bytes), line: number) { return item }
      }
    }
  }

  /// The folders whose walks started since the last call.
  mutating func takeWalkedFolders() -> [RawPath] {
    defer { walkedFolders.removeAll() }
    return walkedFolders
  }

  /// A file path becomes a record; a folder path starts a walk.
  private mutating func start(path: RawPath, line: Int?) -> InputItem? {
    if FileSystem.isDirectory(path) {
      walker = DirectoryWalker(
        root: path, extensions: options.extensions, includeHidden: options.includeHidden,
        includeOutputs: options.includeOutputs, skipping: skipping)
      walkedFolders.append(path)
      walkLine = line
      return nil
    }
    return .work(Record(path: path), line: line)
  }

  /// The item for a walk's entry; nil for a folder skipped (noted with `--verbose`).
  private func item(for entry: DirectoryWalker.Entry) -> InputItem? {
    switch entry {
    case .skipped(let path, _, let reason):
      Diagnostics(tool: options.tool, quiet: options.quiet, verbose: options.verbose).note(
        "not walked: \(reason) (--include-outputs walks it)", line: walkLine, path: path)
      return nil
    case .file(let path, let relpath):
      var record = Record(path: path)
      record.relpath = relpath
      return .work(record, line: walkLine)
    case .problem(let path, let relpath, let code, let message):
      var record = Record(path: path)
      record.relpath = relpath
      return .failure(record.failed(code: code, message: message, step: step), line: walkLine)
    }
  }

  private func badLine(_ number: Int, text: [UInt8], message: String) -> InputItem {
    var record = Record()
    record["line"] = .int(Int64(number))
    if !text.isEmpty {
      record["text"] = .text(Array(text.prefix(512)))
    }
    return .failure(record.failed(code: .badRecord, message: message, step: step), line: number)
  }
}
