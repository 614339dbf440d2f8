import ATKKit
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
    /// Queries only; works on a read-only file. The file must exist and hold a journal.
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
  /// `.readWrite` it must also be writable. Only then is it reopened for writing, checked page
  /// by page (`PRAGMA quick_check`: every page read once, about 1 s for a journal of a million
  /// records, 870 MB, in the page cache), put in WAL mode and given its tables, with foreign
  /// keys enforced.
  ///
  /// `.readOnly` never makes a file beside the journal: without a write-ahead log beside it
  /// (no writer has it open), the file is opened as immutable, which also works on read-only
  /// media; with one, through SQLite's locks.
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
      // A file without tables (empty, or an empty database) holds no journal yet: to a reader,
      // as if it were missing.
      if try Self.check(path: path), access == .readOnly { throw .missing(path: path) }
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
    var handle: OpaquePointer?
    let rc =
      access == .readOnly
      ? Self.openForReading(path, &handle)
      : sqlite3_open_v2(
        path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
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
      do {
        if exists { try checkPages() }
        try setUpForWriting()
      } catch {
        for statement in cache.values { statement.finalize() }
        cache.removeAll()
        sqlite3_close_v2(handle)
        db = nil
        throw error
      }
    }
  }

  deinit {
    for statement in cache.values { statement.finalize() }
    if let db { sqlite3_close_v2(db) }
    releaseSessionLocks()
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
      releaseSessionLocks()
      throw .sqlite(path: path, operation: "close", reason: reason)
    }
    self.db = nil
    releaseSessionLocks()
  }

  /// The descriptor holding session locks (see Journal+Locks.swift); closed only once SQLite
  /// has closed the file.
  var lockDescriptor: Int32 = -1

  // MARK: - Checking and setting up

  /// Opens `path` read-only without making a file beside it (`sqlite3_open_v2`).
  ///
  /// Without a write-ahead log beside it, the file alone is the database: it is opened as
  /// immutable, so that not even the -wal and -shm files SQLite makes for a reader are left
  /// next to it, and a read-only mount works. With a log, a writer may be at work: the file is
  /// opened through SQLite's locks, in `mode=ro`.
  private static func openForReading(_ path: String, _ handle: inout OpaquePointer?) -> Int32 {
    var info = stat()
    let immutable = stat(path + "-wal", &info) != 0
    return sqlite3_open_v2(
      "file:\(uriEscaped(path))?" + (immutable ? "immutable=1" : "mode=ro"), &handle,
      SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nil)
  }

  /// Reads the file through a read-only connection and refuses anything but an atk journal;
  /// returns whether the database holds no tables at all.
  private static func check(path: String) throws(JournalError) -> Bool {
    var handle: OpaquePointer?
    let rc = openForReading(path, &handle)
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
    return tables.isEmpty
  }

  /// Refuses a journal whose pages are damaged (`PRAGMA quick_check`), before anything is
  /// written.
  ///
  /// Damage inside a page SQLite would not read for a while goes unnoticed by other queries,
  /// and writing on top of it spreads it. quick_check reads every page once, without comparing
  /// indexes with their tables. It runs on the connection that is to write, because SQLite
  /// leaves CHECK constraints out of a read-only connection's schema, and so out of its check.
  private func checkPages() throws(JournalError) {
    var problems: [String] = []
    do {
      try query("PRAGMA quick_check(3)") { problems.append($0.string(0) ?? "") }
    } catch {
      if case .corrupt = error { throw error }
      if case .notSQLite = error { throw error }
      throw JournalError.corrupt(path: path, reason: error.description)
    }
    if problems != ["ok"] {
      throw JournalError.corrupt(
        path: path,
        reason: problems.map { $0.split(separator: "\n").joined(separator: " ") }
          .joined(separator: "; "))
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

  /// Puts the database in WAL mode, enforces foreign keys and brings the schema up to date.
  private func setUpForWriting() throws(JournalError) {
    // No row may name a session that does not exist (one removed while a tee wrote to it):
    // such a row would turn up in the next session given the same id. (Outside a transaction:
    // SQLite ignores this pragma inside one.)
    try execute("PRAGMA foreign_keys = ON")
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

  func error(_ rc: Int32, _ operation: String) -> JournalError {
    let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "no connection"
    switch rc & 0xFF {
    case SQLITE_BUSY, SQLITE_LOCKED: return .busy(path: path, reason: reason)
    case SQLITE_NOTADB: return .notSQLite(path: path)
    case SQLITE_CORRUPT: return .corrupt(path: path, reason: reason)
    case SQLITE_READONLY: return .readOnly(path: path, reason: reason)
    // SQLITE_CONSTRAINT_FOREIGNKEY, a macro Swift does not import.
    case SQLITE_CONSTRAINT where rc == SQLITE_CONSTRAINT | (3 << 8):
      return .sessionRemoved(path: path, name: nil)
    default: return .sqlite(path: path, operation: operation, reason: reason)
    }
  }
}
