import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

extension Journal {
  /// One row of the `sessions` table.
  public struct Session: Sendable {
    public var id: Int64
    public var name: String
    public var created: String
    public var updated: String
    public var status: String
    /// The pipeline atk-run ran (`atk-convert wav -o out | ...`), if any.
    public var pipeline: String?
    /// The folder it ran in.
    public var cwd: [UInt8]?
    /// The inputs given to atk-scan, as a JSON array of strings.
    public var inputs: [UInt8]?
    /// Whether every input was scanned (atk-run's scan ran to its end).
    public var scanComplete: Bool
  }

  /// How many origins (and more) a session has in each state.
  public struct Counts: Sendable {
    public var origins = 0
    public var pending = 0
    public var completed = 0
    public var failed = 0
    public var outputs = 0
    public var badLines = 0
  }

  /// The time now, as stored: `2026-11-25T13:45:01Z` (UTC).
  public static func timestamp(_ seconds: Int = time(nil)) -> String {
    var t = time_t(seconds)
    var parts = tm()
    gmtime_r(&t, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
      + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
  }

  /// A fresh session name: local date and time plus four random hex digits
  /// (`20261125-134501-1a2b`).
  public static func newSessionName() -> String {
    var t = time(nil)
    var parts = tm()
    localtime_r(&t, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    let random = String(UInt16.random(in: 0...UInt16.max), radix: 16)
    return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-"
      + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))-"
      + String(repeating: "0", count: 4 - random.count) + random
  }

  private static let sessionColumns =
    "id, name, created, updated, status, pipeline, cwd, inputs, scan_complete"

  private static func session(from row: Statement) -> Session {
    Session(
      id: row.int(0), name: row.string(1) ?? "", created: row.string(2) ?? "",
      updated: row.string(3) ?? "", status: row.string(4) ?? "", pipeline: row.string(5),
      cwd: row.bytes(6), inputs: row.bytes(7), scanComplete: row.int(8) != 0)
  }

  /// The session called `name`, if there is one.
  public func session(named name: String) throws(JournalError) -> Session? {
    var found: Session?
    try query(
      dynamic: "SELECT \(Self.sessionColumns) FROM sessions WHERE name = ?", { $0.bind(1, name) }
    ) {
      found = Self.session(from: $0)
    }
    return found
  }

  /// The session called `name`.
  ///
  /// - Throws: `JournalError.noSession` when there is none.
  public func existingSession(named name: String) throws(JournalError) -> Session {
    guard let session = try session(named: name) else {
      throw .noSession(path: path, name: name)
    }
    return session
  }

  /// Sessions, most recently updated first.
  public func sessions(limit: Int = -1) throws(JournalError) -> [Session] {
    var result: [Session] = []
    try query(
      dynamic: "SELECT \(Self.sessionColumns) FROM sessions ORDER BY updated DESC, id DESC LIMIT ?",
      { $0.bind(1, limit) }
    ) { result.append(Self.session(from: $0)) }
    return result
  }

  /// The most recently updated session that is neither completed nor failed; with
  /// `includingFailed`, the most recently updated one that is not completed (a session that
  /// finished with failed origins, for a retry).
  public func latestIncompleteSession(includingFailed: Bool = false) throws(JournalError)
    -> Session?
  {
    var found: Session?
    let statuses = includingFailed ? "'in_progress', 'paused', 'failed'" : "'in_progress', 'paused'"
    try query(
      dynamic: """
        SELECT \(Self.sessionColumns) FROM sessions WHERE status IN (\(statuses))
        ORDER BY updated DESC, id DESC LIMIT 1
        """
    ) { found = Self.session(from: $0) }
    return found
  }

  /// Creates a session (inside the open transaction, or its own).
  ///
  /// - Throws: `JournalError.invalid` when the name is taken.
  public func createSession(
    name: String, pipeline: String? = nil, cwd: [UInt8]? = nil, inputs: [UInt8]? = nil,
    scanComplete: Bool = true
  ) throws(JournalError) -> Session {
    try writing { () throws(JournalError) in
      if try session(named: name) != nil {
        throw JournalError.invalid("journal '\(path)' already has a session '\(name)'")
      }
      let now = Self.timestamp()
      try execute(
        """
        INSERT INTO sessions (name, created, updated, status, pipeline, cwd, inputs, scan_complete)
        VALUES (?, ?, ?, 'in_progress', ?, ?, ?, ?)
        """
      ) { s in
        s.bind(1, name)
        s.bind(2, now)
        s.bind(3, now)
        s.bind(4, pipeline)
        if let cwd { s.bind(5, bytes: cwd) }
        if let inputs { s.bind(6, bytes: inputs) }
        s.bind(7, scanComplete ? 1 : 0)
      }
      // Rows left by a session removed while an older atk wrote to it name this id: they are
      // not this session's.
      let id = lastInsertRowID
      for table in ["outputs", "origins", "bad_lines"] {
        try execute(dynamic: "DELETE FROM \(table) WHERE session = ?") { $0.bind(1, id) }
      }
    }
    return try existingSession(named: name)
  }

  /// The session called `name`, made when missing.
  public func openSession(named name: String) throws(JournalError) -> Session {
    if let session = try session(named: name) { return session }
    do {
      return try createSession(name: name)
    } catch {
      // Another journal may have made it a moment ago.
      if let session = try session(named: name) { return session }
      throw error
    }
  }

  /// Runs `body` in a transaction of its own unless one is open.
  public func writing(_ body: () throws(JournalError) -> Void) throws(JournalError) {
    if inTransaction { return try body() }
    try begin()
    do throws(JournalError) {
      try body()
      try commit()
    } catch {
      rollback()
      throw error
    }
  }

  /// Sets a session's status (`in_progress`, `completed`, `failed`, `paused`).
  public func setStatus(_ status: String, session: Int64) throws(JournalError) {
    try writing { () throws(JournalError) in
      try execute("UPDATE sessions SET status = ?, updated = ? WHERE id = ?") { s in
        s.bind(1, status)
        s.bind(2, Self.timestamp())
        s.bind(3, session)
      }
    }
  }

  /// Records that the scan of a session's inputs ran to its end.
  public func markScanned(session: Int64) throws(JournalError) {
    try writing { () throws(JournalError) in
      try execute("UPDATE sessions SET scan_complete = 1, updated = ? WHERE id = ?") { s in
        s.bind(1, Self.timestamp())
        s.bind(2, session)
      }
    }
  }

  /// Sets a session's status from its origins and returns it: `in_progress` while origins are
  /// pending or the scan is incomplete, else `failed` if any origin failed, else `completed`.
  @discardableResult
  public func recomputeStatus(session: Int64) throws(JournalError) -> String {
    var status = "in_progress"
    try writing { () throws(JournalError) in
      let counts = try counts(session: session)
      var scanComplete = true
      try query("SELECT scan_complete FROM sessions WHERE id = ?", { $0.bind(1, session) }) {
        scanComplete = $0.int(0) != 0
      }
      if counts.pending > 0 || !scanComplete {
        status = "in_progress"
      } else {
        status = counts.failed > 0 ? "failed" : "completed"
      }
      if counts.badLines > 0 { try forgetCutRecords(session: session) }
      try setStatus(status, session: session)
    }
    return status
  }

  /// A session's counts.
  public func counts(session: Int64) throws(JournalError) -> Counts {
    var counts = try originCounts(session: session)
    try query("SELECT count(*) FROM outputs WHERE session = ?", { $0.bind(1, session) }) {
      counts.outputs = Int($0.int(0))
    }
    try query("SELECT count(*) FROM bad_lines WHERE session = ?", { $0.bind(1, session) }) {
      counts.badLines = Int($0.int(0))
    }
    return counts
  }

  /// A session's origins by status, without counting outputs and bad lines: the query behind
  /// atk-run's progress line, a few times a second.
  public func originCounts(session: Int64) throws(JournalError) -> Counts {
    var counts = Counts()
    try query(
      "SELECT status, count(*) FROM origins WHERE session = ? GROUP BY status",
      { $0.bind(1, session) }
    ) { row in
      let n = Int(row.int(1))
      counts.origins += n
      switch row.string(0) {
      case "pending": counts.pending += n
      case "completed": counts.completed += n
      case "failed": counts.failed += n
      default: break
      }
    }
    return counts
  }

  /// Turns a session's failed origins back into pending ones, dropping their outputs, so
  /// they are replayed; returns how many.
  ///
  /// A replay record that is itself a failed record (the scan failed) loses `status`, `error`
  /// and `step`, so that it reads as a file to look at again: `atk-run` sends replayed records
  /// through atk-scan, which then reads the file as it is now.
  public func resetFailed(session: Int64) throws(JournalError) -> Int {
    var count = 0
    try writing { () throws(JournalError) in
      var rewritten: [(id: Int64, record: [UInt8])] = []
      try query(
        "SELECT id, record FROM origins WHERE session = ? AND status = 'failed'",
        { $0.bind(1, session) }
      ) { row in
        guard let bytes = row.bytes(1), var record = try? Record(line: bytes),
          record[Record.Key.status] == "failed"
        else { return }
        record[Record.Key.status] = nil
        record[Record.Key.error] = nil
        record[Record.Key.step] = nil
        var line: [UInt8] = []
        record.encode(into: &line)
        line.removeLast()
        rewritten.append((row.int(0), line))
      }
      for (id, record) in rewritten {
        try execute("UPDATE origins SET record = ? WHERE id = ?") { s in
          s.bind(1, bytes: record)
          s.bind(2, id)
        }
      }
      try execute(
        """
        DELETE FROM outputs WHERE session = ?1 AND origin IN
          (SELECT origin FROM origins WHERE session = ?1 AND status = 'failed')
        """
      ) { $0.bind(1, session) }
      try execute(
        """
        UPDATE origins SET status = 'pending', error_code = NULL, error_message = NULL,
          updated = ?2 WHERE session = ?1 AND status = 'failed'
        """
      ) { s in
        s.bind(1, session)
        s.bind(2, Self.timestamp())
      }
      count = changes
      try setStatus("in_progress", session: session)
    }
    return count
  }

  /// Removes a session and everything recorded for it, unless a process is writing it.
  ///
  /// - Returns: false, removing nothing, when the session is being written (`isBeingWritten`,
  ///   checked inside the transaction that removes it).
  @discardableResult
  public func deleteSession(_ session: Int64) throws(JournalError) -> Bool {
    var deleted = false
    try writing { () throws(JournalError) in
      guard !isBeingWritten(session) else { return }
      for table in ["outputs", "origins", "bad_lines"] {
        try execute(dynamic: "DELETE FROM \(table) WHERE session = ?") { $0.bind(1, session) }
      }
      try execute("DELETE FROM sessions WHERE id = ?") { $0.bind(1, session) }
      deleted = true
    }
    return deleted
  }

  /// Removes the session's bad lines that were a replay record cut short, once that record's
  /// origin is finished.
  ///
  /// A head killed while writing a record leaves its first bytes, without a newline, at the
  /// end of the stream; the tools after it pass them on as a `bad_record` (`text` holds them)
  /// and the tail keeps them as a bad line. The origin stays pending and is replayed. Once no
  /// pending origin's replay record starts with those bytes, and a finished one's does, the
  /// bad line told of nothing that is still wrong.
  func forgetCutRecords(session: Int64) throws(JournalError) {
    var candidates: [(id: Int64, piece: [UInt8])] = []
    try query("SELECT id, text FROM bad_lines WHERE session = ?", { $0.bind(1, session) }) {
      row in
      if let piece = Self.cutRecord(in: row.bytes(1) ?? []) {
        candidates.append((row.int(0), piece))
      }
    }
    for candidate in candidates {
      var pending = false
      var finished = false
      try query(
        """
        SELECT max(status = 'pending'), max(status != 'pending') FROM origins
        WHERE session = ?1 AND substr(CAST(record AS BLOB), 1, ?2) = CAST(?3 AS BLOB)
        """,
        { s in
          s.bind(1, session)
          s.bind(2, candidate.piece.count)
          s.bind(3, bytes: candidate.piece)
        }
      ) { row in
        pending = row.int(0) != 0
        finished = row.int(1) != 0
      }
      if finished && !pending {
        try execute("DELETE FROM bad_lines WHERE id = ?") { $0.bind(1, candidate.id) }
      }
    }
  }

  /// The start of a record cut short, if a bad line holds one: the line itself, or the `text`
  /// of the `bad_record` a tool made of it; nil for a line that is wrong in another way.
  static func cutRecord(in line: [UInt8]) -> [UInt8]? {
    func isCut(_ bytes: [UInt8]) -> Bool {
      guard bytes.first == UInt8(ascii: "{") else { return false }
      do {
        _ = try JSONParser.parse(bytes)
        return false
      } catch {
        return error.offset >= bytes.count
      }
    }
    if isCut(line) { return line }
    guard let record = try? Record(line: line),
      record.errorInfo?.code == ErrorCode.badRecord.rawValue,
      let text = record["text"]?.stringBytes, isCut(text)
    else { return nil }
    return text
  }

  // MARK: - Reading a session's rows

  /// Calls `body` with each replay record of the session's pending origins (and failed ones
  /// with `includeFailed`), in the order the origins were first recorded.
  public func pendingRecords(
    session: Int64, includeFailed: Bool,
    _ body: (UnsafeBufferPointer<UInt8>) throws(JournalError) -> Void
  ) throws(JournalError) {
    let statuses = includeFailed ? "('pending', 'failed')" : "('pending')"
    try query(
      dynamic: "SELECT record FROM origins WHERE session = ? AND status IN \(statuses) ORDER BY id",
      { $0.bind(1, session) }
    ) { row throws(JournalError) in
      try row.withBytes(0) { bytes throws(JournalError) in try body(bytes) }
    }
  }

  /// One row of the `origins` table.
  public struct Origin: Sendable {
    public var origin: [UInt8]
    public var status: String
    public var errorCode: String?
    public var errorMessage: String?
    public var created: String
    public var updated: String
    public var outputs: Int
  }

  /// Calls `body` with each origin of the session, in the order they were first recorded.
  public func origins(session: Int64, _ body: (Origin) throws(JournalError) -> Void)
    throws(JournalError)
  {
    try query(
      """
      SELECT o.origin, o.status, o.error_code, o.error_message, o.created, o.updated,
        (SELECT count(*) FROM outputs p WHERE p.session = o.session AND p.origin = o.origin)
      FROM origins o WHERE o.session = ? ORDER BY o.id
      """,
      { $0.bind(1, session) }
    ) { row throws(JournalError) in
      try body(
        Origin(
          origin: row.bytes(0) ?? [], status: row.string(1) ?? "", errorCode: row.string(2),
          errorMessage: row.string(3), created: row.string(4) ?? "",
          updated: row.string(5) ?? "", outputs: Int(row.int(6))))
    }
  }

  /// Calls `body` with each stored output record of the session, in arrival order.
  public func outputs(
    session: Int64, _ body: (UnsafeBufferPointer<UInt8>) throws(JournalError) -> Void
  ) throws(JournalError) {
    try query(
      "SELECT record FROM outputs WHERE session = ? ORDER BY created, origin, part_key",
      { $0.bind(1, session) }
    ) { row throws(JournalError) in
      try row.withBytes(0) { bytes throws(JournalError) in try body(bytes) }
    }
  }

  /// One row of the `bad_lines` table.
  public struct BadLine: Sendable {
    public var line: Int64
    public var text: [UInt8]
    public var error: String
  }

  /// Calls `body` with each bad input line recorded for the session.
  public func badLines(session: Int64, _ body: (BadLine) throws(JournalError) -> Void)
    throws(JournalError)
  {
    try query(
      "SELECT line, text, error FROM bad_lines WHERE session = ? ORDER BY id",
      { $0.bind(1, session) }
    ) { row throws(JournalError) in
      try body(BadLine(line: row.int(0), text: row.bytes(1) ?? [], error: row.string(2) ?? ""))
    }
  }
}
