import ATKRecords
import CSQLite

#if canImport(Glibc)
  import Glibc
#endif

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
  /// The session was removed (`clean`, or by hand) while this process was writing it; nil
  /// when the name is not known where the error arises.
  case sessionRemoved(path: String, name: String?)
  /// A request that does not fit the session's state.
  case invalid(String)

  public var description: String {
    switch self {
    case .missing(let path): "journal '\(path)' does not exist"
    case .cannotOpen(let path, let reason): "cannot open journal '\(path)': \(reason)"
    case .notSQLite(let path):
      "'\(path)' is not an SQLite database; not touching it (give another --db)"
    case .corrupt(let path, let reason):
      "journal '\(path)' is damaged: \(reason); not touching it. To recover, copy it and read "
        + "each session from the copy ('atk-journal export SESSION --db COPY'), or rebuild it: "
        + "'sqlite3 COPY .recover | sqlite3 NEW.db'"
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
    case .sessionRemoved(let path, let name):
      "session \(name.map { "'\($0)' " } ?? "")was removed from journal '\(path)' while this "
        + "atk-journal was writing it; nothing more is recorded (run the batch again)"
    case .invalid(let message): message
    }
  }

  /// Whether waiting might help.
  var isBusy: Bool {
    if case .busy = self { return true }
    return false
  }
}
