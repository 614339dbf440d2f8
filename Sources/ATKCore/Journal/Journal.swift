import ATKRecords
import CSQLite

#if canImport(Glibc)
  import Glibc
#endif

/// An atk journal: one SQLite database file holding sessions, origins and output records.
///
/// The only type that talks to SQLite. It owns the connection and its prepared statements;
/// the rest of the journal code works through `Statement` and the methods here. Opening never
/// modifies a file that is not a journal it can write: the checks run through a read-only
/// connection before anything (WAL mode, tables) is set up. See atk-journal(1) for the schema.
public final class Journal {
  /// How the database is opened.
  public enum Access: Sendable {
    /// Queries only; works on a read-only file. The file must exist.
    case readOnly
    /// Queries and changes; the file is made (with its folder) when missing.
    case readWrite
  }

  /// The database file.
  public let path: String
  /// How it was opened.
  public let access: Access
  private var db: OpaquePointer?
  private var cache: [UnsafeRawPointer: Statement] = [:]
  /// Whether a transaction is open.
  public private(set) var inTransaction = false

  /// How long one statement waits for another process's lock before SQLite gives up.
  static let busyTimeoutMilliseconds: Int32 = 60_000
  /// How long `begin()` keeps retrying after that, in all.
  static let beginRetryLimit: Duration = .seconds(600)

  /// Opens (and, for `.readWrite`, creates or migrates) the journal at `path`.
  ///
  /// Calls `sqlite3_open_v2`, first read-only to check the file: it must be an SQLite
  /// database holding only journal tables, of a schema version this atk knows; for
  /// `.readWrite` it must also be writable. Only then is it reopened for writing, put in WAL
  /// mode and given its tables.
  ///
  /// - Throws: `JournalError` naming the file and the cause; the file is left as it was.
  public init(path: String, access: Access) throws(JournalError) {
    self.path = path
    self.access = access
    var info = stat()
    let exists = stat(path, &info) == 0
    if !exists {
      guard access == .readWrite else { throw .missing(path: path) }
      let folder = RawPath(path).parent
      do { try FileSystem.makeDirectories(folder) } catch {
        throw .cannotOpen(path: path, reason: error.description)
      }
    } else {
      if (info.st_mode & S_IFMT) == S_IFDIR { throw .cannotOpen(path: path, reason: "is a folder") }
      try Self.check(path: path)
      if access == .readWrite {
        if Glibc.access(path, W_OK) != 0 {
          throw .readOnly(path: path, reason: String(cString: strerror(errno)))
        }
        if info.st_mode & 0o222 == 0 {
          throw .readOnly(path: path, reason: "the file has no write permission")
        }
        let folder = RawPath(path).parent.display
        if Glibc.access(folder.isEmpty ? "." : folder, W_OK) != 0 {
          throw .readOnly(path: path, reason: "its folder is not writable")
        }
      }
    }
    let flags =
      access == .readOnly
      ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
    var handle: OpaquePointer?
    let rc = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
    db = handle
    guard rc == SQLITE_OK, handle != nil else {
      let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close_v2(handle)
      db = nil
      throw .cannotOpen(path: path, reason: reason)
    }
    sqlite3_busy_timeout(handle, Self.busyTimeoutMilliseconds)
    sqlite3_extended_result_codes(handle, 1)
    if access == .readWrite {
      try setUpForWriting()
    }
  }

  deinit {
    for statement in cache.values { statement.finalize() }
    if let db { sqlite3_close_v2(db) }
  }

  /// Closes the connection.
  ///
  /// Calls `sqlite3_close`. An open transaction is rolled back.
  /// - Throws: `JournalError.sqlite` when SQLite cannot close the file cleanly.
  public func close() throws(JournalError) {
    guard let db else { return }
    if inTransaction { rollback() }
    for statement in cache.values { statement.finalize() }
    cache.removeAll()
    let rc = sqlite3_close(db)
    if rc != SQLITE_OK {
      let reason = String(cString: sqlite3_errmsg(db))
      sqlite3_close_v2(db)
      self.db = nil
      throw .sqlite(path: path, operation: "close", reason: reason)
    }
    self.db = nil
  }

  // MARK: - Checking and setting up

  /// Reads the file through a read-only connection and refuses anything but an atk journal.
  private static func check(path: String) throws(JournalError) {
    // Without a write-ahead log beside it, the file alone is the database: open it as
    // immutable, so that not even the -wal and -shm files SQLite makes are left next to it.
    var info = stat()
    let immutable = stat(path + "-wal", &info) != 0
    var handle: OpaquePointer?
    let rc = sqlite3_open_v2(
      immutable ? "file:\(uriEscaped(path))?immutable=1" : path, &handle,
      SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nil)
    defer { sqlite3_close_v2(handle) }
    guard rc == SQLITE_OK, let handle else {
      throw .cannotOpen(
        path: path, reason: handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory")
    }
    sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
    var tables: [String] = []
    var version: Int64 = 0
    func run(_ sql: String, row: (OpaquePointer) -> Void) throws(JournalError) {
      var statement: OpaquePointer?
      var rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
      defer { sqlite3_finalize(statement) }
      if rc == SQLITE_OK, let statement {
        repeat {
          rc = sqlite3_step(statement)
          if rc == SQLITE_ROW { row(statement) }
        } while rc == SQLITE_ROW
        if rc == SQLITE_DONE { return }
      }
      let reason = String(cString: sqlite3_errmsg(handle))
      switch rc & 0xFF {
      case SQLITE_NOTADB: throw .notSQLite(path: path)
      case SQLITE_CORRUPT: throw .corrupt(path: path, reason: reason)
      default: throw .cannotOpen(path: path, reason: reason)
      }
    }
    try run("SELECT name FROM sqlite_master WHERE type = 'table'") { statement in
      if let text = sqlite3_column_text(statement, 0) {
        let name = String(cString: text)
        if !name.hasPrefix("sqlite_") { tables.append(name) }
      }
    }
    try run("PRAGMA user_version") { version = sqlite3_column_int64($0, 0) }
    let foreign = tables.filter { !JournalSchema.tables.contains($0) }
    if !foreign.isEmpty || (version == 0 && !tables.isEmpty) {
      throw .notAJournal(path: path, tables: (foreign.isEmpty ? tables : foreign).sorted())
    }
    if version > JournalSchema.version {
      throw .newerSchema(path: path, version: version)
    }
  }

  /// `path` with the bytes a URI reserves percent-encoded.
  private static func uriEscaped(_ path: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for byte in path.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "-"),
        UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
        out.append(byte)
      default:
        out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Puts the database in WAL mode and brings its schema up to date.
  private func setUpForWriting() throws(JournalError) {
    // 16 KiB pages for a new database (only possible before WAL mode is set): a quarter of the
    // system calls of SQLite's 4 KiB default, on rows that mostly arrive in key order.
    try execute("PRAGMA page_size = 16384")
    try retryingBusy { () throws(JournalError) in
      try execute("PRAGMA journal_mode = WAL")
    }
    try execute("PRAGMA synchronous = NORMAL")
    try begin()
    do throws(JournalError) {
      var version: Int64 = 0
      try query("PRAGMA user_version") { version = $0.int(0) }
      if version > JournalSchema.version {
        throw JournalError.newerSchema(path: path, version: version)
      }
      if version < JournalSchema.version {
        for step in JournalSchema.migrations[Int(version)...] {
          for sql in step { try execute(dynamic: sql) }
        }
        try execute(dynamic: "PRAGMA user_version = \(JournalSchema.version)")
      }
      try commit()
    } catch {
      rollback()
      throw error
    }
  }

  // MARK: - Transactions

  /// Starts a write transaction (`BEGIN IMMEDIATE`), waiting for other writers.
  ///
  /// SQLite's busy handler waits up to a minute; this retries on top of that for ten, so
  /// several journals writing one database take turns instead of failing.
  /// - Throws: `JournalError` when the lock never comes or SQLite fails.
  public func begin() throws(JournalError) {
    precondition(!inTransaction, "nested journal transaction")
    try retryingBusy { () throws(JournalError) in try execute("BEGIN IMMEDIATE") }
    inTransaction = true
  }

  /// Commits the open transaction (`COMMIT`).
  public func commit() throws(JournalError) {
    guard inTransaction else { return }
    try retryingBusy { () throws(JournalError) in try execute("COMMIT") }
    inTransaction = false
  }

  /// Rolls the open transaction back (`ROLLBACK`); errors are ignored.
  public func rollback() {
    guard inTransaction, let db else { return }
    sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
    inTransaction = false
  }

  private func retryingBusy(_ body: () throws(JournalError) -> Void) throws(JournalError) {
    let deadline = ContinuousClock.now + Self.beginRetryLimit
    while true {
      do {
        try body()
        return
      } catch let error where error.isBusy && ContinuousClock.now < deadline {
        usleep(useconds_t(10_000 + Int.random(in: 0..<40_000)))
      }
    }
  }

  // MARK: - Statements

  /// The prepared statement for `sql`, made once and kept (`sqlite3_prepare_v3`).
  ///
  /// The cache is keyed by the literal's address, so finding a statement costs no hashing of
  /// its text.
  public func statement(_ sql: StaticString) throws(JournalError) -> Statement {
    let key = UnsafeRawPointer(sql.utf8Start)
    if let cached = cache[key] {
      cached.reset()
      return cached
    }
    let statement = try prepare(
      String(
        decoding: UnsafeBufferPointer(start: sql.utf8Start, count: sql.utf8CodeUnitCount),
        as: UTF8.self), persistent: true)
    cache[key] = statement
    return statement
  }

  /// A statement for SQL made at run time, prepared afresh (`sqlite3_prepare_v3`).
  public func prepare(_ sql: String, persistent: Bool = false) throws(JournalError) -> Statement {
    var handle: OpaquePointer?
    let rc = sqlite3_prepare_v3(
      db, sql, -1, persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0, &handle, nil)
    guard rc == SQLITE_OK, let handle else { throw error(rc, "prepare") }
    return Statement(handle: handle, journal: self, owned: !persistent)
  }

  /// Runs `sql` to the end with the values `bind` sets.
  public func execute(_ sql: StaticString, _ bind: (Statement) -> Void = { _ in })
    throws(JournalError)
  {
    try run(try statement(sql), bind)
  }

  /// Runs SQL made at run time to the end with the values `bind` sets.
  public func execute(dynamic sql: String, _ bind: (Statement) -> Void = { _ in })
    throws(JournalError)
  {
    try run(try prepare(sql), bind)
  }

  private func run(_ statement: Statement, _ bind: (Statement) -> Void) throws(JournalError) {
    bind(statement)
    while try statement.step() {}
    statement.reset()
  }

  /// Runs `sql` and calls `row` for each result row.
  public func query(
    _ sql: StaticString, _ bind: (Statement) -> Void = { _ in },
    row: (Statement) throws(JournalError) -> Void
  ) throws(JournalError) {
    try rows(try statement(sql), bind, row)
  }

  /// Runs SQL made at run time and calls `row` for each result row.
  public func query(
    dynamic sql: String, _ bind: (Statement) -> Void = { _ in },
    row: (Statement) throws(JournalError) -> Void
  ) throws(JournalError) {
    try rows(try prepare(sql), bind, row)
  }

  private func rows(
    _ statement: Statement, _ bind: (Statement) -> Void,
    _ row: (Statement) throws(JournalError) -> Void
  ) throws(JournalError) {
    bind(statement)
    defer { statement.reset() }
    while try statement.step() { try row(statement) }
  }

  /// Rows changed by the last insert, update or delete (`sqlite3_changes`).
  public var changes: Int { Int(sqlite3_changes(db)) }

  /// The row id of the last insert (`sqlite3_last_insert_rowid`).
  public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(db) }

  fileprivate func error(_ rc: Int32, _ operation: String) -> JournalError {
    let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "no connection"
    switch rc & 0xFF {
    case SQLITE_BUSY, SQLITE_LOCKED: return .busy(path: path, reason: reason)
    case SQLITE_NOTADB: return .notSQLite(path: path)
    case SQLITE_CORRUPT: return .corrupt(path: path, reason: reason)
    case SQLITE_READONLY: return .readOnly(path: path, reason: reason)
    default: return .sqlite(path: path, operation: operation, reason: reason)
    }
  }
}

/// A prepared SQL statement of a `Journal`.
///
/// Parameters are numbered from 1, columns from 0, as in SQLite.
public final class Statement {
  fileprivate let handle: OpaquePointer
  private unowned let journal: Journal
  private let owned: Bool
  private var finalized = false

  /// `owned`: finalized when released (statements in the journal's cache are finalized by it).
  fileprivate init(handle: OpaquePointer, journal: Journal, owned: Bool) {
    self.handle = handle
    self.journal = journal
    self.owned = owned
  }

  deinit { if owned { finalize() } }

  fileprivate func finalize() {
    guard !finalized else { return }
    finalized = true
    sqlite3_finalize(handle)
  }

  private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

  /// Binds an integer (`sqlite3_bind_int64`).
  public func bind(_ index: Int32, _ value: Int64) {
    sqlite3_bind_int64(handle, index, value)
  }

  /// Binds an integer (`sqlite3_bind_int64`).
  public func bind(_ index: Int32, _ value: Int) { bind(index, Int64(value)) }

  /// Binds text given as bytes, kept as they are (`sqlite3_bind_text`).
  public func bind(_ index: Int32, bytes: UnsafeBufferPointer<UInt8>) {
    let base = bytes.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(bitPattern: 1)!
    _ = base.withMemoryRebound(to: CChar.self, capacity: max(1, bytes.count)) {
      sqlite3_bind_text(handle, index, $0, Int32(bytes.count), Self.transient)
    }
  }

  /// Binds text given as bytes (`sqlite3_bind_text`).
  public func bind(_ index: Int32, bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { bind(index, bytes: $0) }
  }

  /// Binds a string, or NULL (`sqlite3_bind_text`, `sqlite3_bind_null`).
  public func bind(_ index: Int32, _ value: String?) {
    guard let value else {
      sqlite3_bind_null(handle, index)
      return
    }
    var copy = value
    copy.withUTF8 { bind(index, bytes: $0) }
  }

  /// Steps once (`sqlite3_step`); true when a row is ready.
  ///
  /// - Throws: `JournalError` with `sqlite3_errmsg`'s text when the step fails.
  public func step() throws(JournalError) -> Bool {
    let rc = sqlite3_step(handle)
    if rc == SQLITE_ROW { return true }
    if rc == SQLITE_DONE { return false }
    let error = journal.error(rc, "step")
    sqlite3_reset(handle)
    throw error
  }

  /// Resets the statement and clears its bindings (`sqlite3_reset`, `sqlite3_clear_bindings`).
  public func reset() {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
  }

  /// An integer column (`sqlite3_column_int64`).
  public func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

  /// Whether a column is NULL.
  public func isNull(_ column: Int32) -> Bool {
    sqlite3_column_type(handle, column) == SQLITE_NULL
  }

  /// A text column's bytes, valid until the next step (`sqlite3_column_text`).
  public func withBytes<R, E: Error>(
    _ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
  ) throws(E) -> R {
    let pointer = sqlite3_column_text(handle, column)
    let count = Int(sqlite3_column_bytes(handle, column))
    return try body(UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
  }

  /// A text column's bytes, nil when NULL.
  public func bytes(_ column: Int32) -> [UInt8]? {
    if isNull(column) { return nil }
    return withBytes(column) { Array($0) }
  }

  /// A text column as a string, nil when NULL.
  public func string(_ column: Int32) -> String? {
    bytes(column).map { String(decoding: $0, as: UTF8.self) }
  }
}

/// Why the journal could not do what was asked; each names the database file.
public enum JournalError: Error, Sendable, CustomStringConvertible {
  /// The file is missing (and a read-only command cannot make it).
  case missing(path: String)
  /// The file cannot be opened.
  case cannotOpen(path: String, reason: String)
  /// The file is not an SQLite database.
  case notSQLite(path: String)
  /// SQLite found the file damaged.
  case corrupt(path: String, reason: String)
  /// The database holds tables that are not the journal's.
  case notAJournal(path: String, tables: [String])
  /// The database was written by a newer atk.
  case newerSchema(path: String, version: Int64)
  /// The file cannot be written.
  case readOnly(path: String, reason: String)
  /// Another process held the database locked for too long.
  case busy(path: String, reason: String)
  /// Another SQLite failure.
  case sqlite(path: String, operation: String, reason: String)
  /// No session has that name.
  case noSession(path: String, name: String)
  /// A request that does not fit the session's state.
  case invalid(String)

  public var description: String {
    switch self {
    case .missing(let path): "journal '\(path)' does not exist"
    case .cannotOpen(let path, let reason): "cannot open journal '\(path)': \(reason)"
    case .notSQLite(let path):
      "'\(path)' is not an SQLite database; not touching it (give another --db)"
    case .corrupt(let path, let reason):
      "journal '\(path)' is damaged: \(reason); not touching it"
    case .notAJournal(let path, let tables):
      "'\(path)' is an SQLite database but not an atk journal (it has tables "
        + tables.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
        + "); not touching it (give another --db)"
    case .newerSchema(let path, let version):
      "journal '\(path)' has schema version \(version), newer than this atk understands "
        + "(\(JournalSchema.version)); not touching it (use a newer atk)"
    case .readOnly(let path, let reason): "journal '\(path)' is not writable: \(reason)"
    case .busy(let path, let reason): "journal '\(path)' stayed locked: \(reason)"
    case .sqlite(let path, let operation, let reason):
      "journal '\(path)': \(operation) failed: \(reason)"
    case .noSession(let path, let name): "journal '\(path)' has no session '\(name)'"
    case .invalid(let message): message
    }
  }

  /// Whether waiting might help.
  var isBusy: Bool {
    if case .busy = self { return true }
    return false
  }
}
