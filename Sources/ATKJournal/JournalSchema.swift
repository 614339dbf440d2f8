/// The journal's tables, and the steps that bring an older database up to date.
///
/// The version lives in `PRAGMA user_version`. A database of a newer version is refused
/// untouched; an older one is migrated forward inside one transaction. atk-journal(1) documents
/// every table and column below; keep the two in step. (CHECK constraints use OR, not IN: SQLite
/// builds a temporary table for an IN list on every insert.)
public enum JournalSchema {
  /// The schema version this atk writes.
  public static let version: Int64 = 1

  /// The tables of the current schema (anything else in a database means it is not a journal).
  public static let tables: Set<String> = ["sessions", "origins", "outputs", "bad_lines"]

  /// `migrations[v]` turns version `v` into version `v + 1`.
  static let migrations: [[String]] = [
    // 0 → 1: the first schema.
    [
      """
      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'in_progress'
          CHECK (status = 'in_progress' OR status = 'completed' OR status = 'failed'
            OR status = 'paused'),
        pipeline TEXT,
        cwd TEXT,
        inputs TEXT,
        scan_complete INTEGER NOT NULL DEFAULT 1
      )
      """,
      """
      CREATE TABLE origins (
        id INTEGER PRIMARY KEY,
        session INTEGER NOT NULL REFERENCES sessions(id),
        origin TEXT NOT NULL,
        status TEXT NOT NULL
          CHECK (status = 'pending' OR status = 'completed' OR status = 'failed'),
        error_code TEXT,
        error_message TEXT,
        record TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        UNIQUE (session, origin)
      )
      """,
      """
      CREATE TABLE outputs (
        session INTEGER NOT NULL REFERENCES sessions(id),
        origin TEXT NOT NULL,
        part_key TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status = 'ok' OR status = 'failed' OR status = 'dropped'),
        record TEXT NOT NULL,
        created TEXT NOT NULL,
        PRIMARY KEY (session, origin, part_key)
      ) WITHOUT ROWID
      """,
      """
      CREATE TABLE bad_lines (
        id INTEGER PRIMARY KEY,
        session INTEGER NOT NULL REFERENCES sessions(id),
        line INTEGER NOT NULL,
        text TEXT NOT NULL,
        error TEXT NOT NULL,
        created TEXT NOT NULL
      )
      """,
      "CREATE INDEX bad_lines_by_session ON bad_lines (session)",
    ]
  ]
}
