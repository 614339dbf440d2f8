import ATKRecords
import CSQLite

#if canImport(Glibc)
  import Glibc
#endif

/// A prepared SQL statement of a `Journal`.
///
/// Parameters are numbered from 1, columns from 0, as in SQLite.
public final class Statement {
  let handle: OpaquePointer
  private unowned let journal: Journal
  private let owned: Bool
  private var finalized = false

  /// `owned`: finalized when released (statements in the journal's cache are finalized by it).
  init(handle: OpaquePointer, journal: Journal, owned: Bool) {
    self.handle = handle
    self.journal = journal
    self.owned = owned
  }

  deinit { if owned { finalize() } }

  func finalize() {
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
