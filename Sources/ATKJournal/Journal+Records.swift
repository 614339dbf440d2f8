import ATKRecords

/// The writes of `atk-journal`'s tee, one prepared statement each.
extension Journal {
  /// What registering an origin at the head of a pipeline found.
  public enum Registration: Sendable {
    /// The origin is new to the session.
    case added
    /// The session already knew the origin.
    case known
  }

  /// Registers `origin` as pending with `record` as the record to replay for it.
  ///
  /// An origin the session already knows keeps its row as it is: its status follows the
  /// outputs that arrive at the tail.
  public func registerPending(
    session: Int64, origin: UnsafeBufferPointer<UInt8>, record: UnsafeBufferPointer<UInt8>,
    now: String
  ) throws(JournalError) -> Registration {
    try execute(
      """
      INSERT INTO origins (session, origin, status, record, created, updated)
      VALUES (?1, ?2, 'pending', ?3, ?4, ?4) ON CONFLICT (session, origin) DO NOTHING
      """
    ) { s in
      s.bind(1, session)
      s.bind(2, bytes: origin)
      s.bind(3, bytes: record)
      s.bind(4, now)
    }
    return changes > 0 ? .added : .known
  }

  /// Stores one output record under `(origin, partKey)`, replacing an earlier copy.
  public func storeOutput(
    session: Int64, origin: UnsafeBufferPointer<UInt8>, partKey: String, status: String,
    record: UnsafeBufferPointer<UInt8>, now: String
  ) throws(JournalError) {
    try execute(
      """
      INSERT INTO outputs (session, origin, part_key, status, record, created)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (session, origin, part_key)
      DO UPDATE SET status = excluded.status, record = excluded.record,
        created = excluded.created
      """
    ) { s in
      s.bind(1, session)
      s.bind(2, bytes: origin)
      s.bind(3, partKey)
      s.bind(4, status)
      s.bind(5, bytes: record)
      s.bind(6, now)
    }
  }

  /// Removes one stored output.
  public func deleteOutput(session: Int64, origin: UnsafeBufferPointer<UInt8>, partKey: String)
    throws(JournalError)
  {
    try execute("DELETE FROM outputs WHERE session = ?1 AND origin = ?2 AND part_key = ?3") { s in
      s.bind(1, session)
      s.bind(2, bytes: origin)
      s.bind(3, partKey)
    }
  }

  /// The parts stored for an origin, and whether each failed.
  public func storedParts(session: Int64, origin: UnsafeBufferPointer<UInt8>)
    throws(JournalError) -> [(part: [Record.Part], failed: Bool)]
  {
    var parts: [(part: [Record.Part], failed: Bool)] = []
    try query(
      "SELECT part_key, status FROM outputs WHERE session = ?1 AND origin = ?2",
      { s in
        s.bind(1, session)
        s.bind(2, bytes: origin)
      }
    ) { row in
      if let part = OriginTracker.part(fromKey: row.string(0) ?? "") {
        parts.append((part, row.string(1) == "failed"))
      }
    }
    return parts
  }

  /// Makes sure the session has a row for `origin`, pending when new.
  ///
  /// An origin first seen at the tail of a pipeline gets the replay record
  /// `{"origin": ORIGIN, "path": ORIGIN}`.
  public func ensureOrigin(session: Int64, origin: UnsafeBufferPointer<UInt8>, now: String)
    throws(JournalError)
  {
    let replay = Self.replayRecord(for: origin)
    _ = try replay.withUnsafeBufferPointer { replay throws(JournalError) in
      try registerPending(session: session, origin: origin, record: replay, now: now)
    }
  }

  /// Sets an origin's outcome (`completed`, `failed` or `pending`), adding the origin when new.
  ///
  /// A nil error keeps the one stored (an origin failed by an earlier part stays explained);
  /// `completed` clears it.
  public func setOrigin(
    session: Int64, origin: UnsafeBufferPointer<UInt8>, status: String,
    error: (code: String, message: String)?, now: String
  ) throws(JournalError) {
    if status == "completed" {
      try execute(
        """
        UPDATE origins SET status = 'completed', error_code = NULL, error_message = NULL,
          updated = ?3 WHERE session = ?1 AND origin = ?2
        """
      ) { s in
        s.bind(1, session)
        s.bind(2, bytes: origin)
        s.bind(3, now)
      }
    } else {
      try execute(
        """
        UPDATE origins SET status = ?3, error_code = coalesce(?4, error_code),
          error_message = coalesce(?5, error_message), updated = ?6
        WHERE session = ?1 AND origin = ?2
        """
      ) { s in
        s.bind(1, session)
        s.bind(2, bytes: origin)
        s.bind(3, status)
        s.bind(4, error?.code)
        s.bind(5, error?.message)
        s.bind(6, now)
      }
    }
    if changes > 0 { return }
    let replay = Self.replayRecord(for: origin)
    try execute(
      """
      INSERT INTO origins (session, origin, status, error_code, error_message, record, created,
        updated)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
      """
    ) { s in
      s.bind(1, session)
      s.bind(2, bytes: origin)
      s.bind(3, status)
      s.bind(4, error?.code)
      s.bind(5, error?.message)
      s.bind(6, bytes: replay)
      s.bind(7, now)
    }
  }

  /// Records an input line that is not a usable record.
  public func addBadLine(
    session: Int64, line: Int, text: UnsafeBufferPointer<UInt8>, error: String, now: String
  ) throws(JournalError) {
    try execute(
      "INSERT INTO bad_lines (session, line, text, error, created) VALUES (?, ?, ?, ?, ?)"
    ) { s in
      s.bind(1, session)
      s.bind(2, line)
      s.bind(3, bytes: UnsafeBufferPointer(rebasing: text.prefix(4096)))
      s.bind(4, error)
      s.bind(5, now)
    }
  }

  /// `{"origin":ORIGIN,"path":ORIGIN}`: what to replay for an origin known only by name.
  static func replayRecord(for origin: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    let name = JSONValue.text(Array(origin))
    var out: [UInt8] = Array(#"{"origin":"#.utf8)
    JSONWriter.write(name, into: &out)
    out += Array(#","path":"#.utf8)
    JSONWriter.write(name, into: &out)
    out.append(UInt8(ascii: "}"))
    return out
  }
}
