import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// The read-only answers of atk-journal's subcommands, as text or JSON lines on a writer.
public struct JournalReport {
  private let journal: Journal
  private let writer: RecordWriter

  /// Answers from `journal`, written to `writer`.
  public init(journal: Journal, writer: RecordWriter) {
    self.journal = journal
    self.writer = writer
  }

  /// Where the journal lives when no `--db` is given: `$ATK_JOURNAL`, else
  /// `$XDG_STATE_HOME/atk/journal.db`, else `~/.local/state/atk/journal.db`.
  public static func defaultPath() -> String {
    func variable(_ name: String) -> String? {
      guard let value = getenv(name) else { return nil }
      let text = String(cString: value)
      return text.isEmpty ? nil : text
    }
    if let path = variable("ATK_JOURNAL") { return path }
    if let state = variable("XDG_STATE_HOME") { return state + "/atk/journal.db" }
    let home = variable("HOME") ?? "."
    return home + "/.local/state/atk/journal.db"
  }

  private func line(_ text: String) throws(RecordWriterError) {
    try writer.write(bytes: Array((text + "\n").utf8))
  }

  private func json(_ fields: [String: JSONValue]) throws(RecordWriterError) {
    try writer.write(Record(fields))
  }

  /// A session as a JSON object (with its counts).
  public func object(for session: Journal.Session, counts: Journal.Counts) -> [String: JSONValue] {
    var fields: [String: JSONValue] = [
      "name": .string(session.name), "status": .string(session.status),
      "created": .string(session.created), "updated": .string(session.updated),
      "origins": .int(Int64(counts.origins)), "completed": .int(Int64(counts.completed)),
      "failed": .int(Int64(counts.failed)), "pending": .int(Int64(counts.pending)),
      "outputs": .int(Int64(counts.outputs)), "bad_lines": .int(Int64(counts.badLines)),
      "scan_complete": .bool(session.scanComplete),
    ]
    if let pipeline = session.pipeline { fields["pipeline"] = .string(pipeline) }
    if let cwd = session.cwd { fields["cwd"] = .text(cwd) }
    fields["inputs"] = .array(Self.inputs(of: session).map { .text($0) })
    return fields
  }

  /// The input paths stored for a session.
  public static func inputs(of session: Journal.Session) -> [[UInt8]] {
    guard let text = session.inputs, let value = try? JSONParser.parse(text),
      let array = value.arrayValue
    else { return [] }
    return array.compactMap(\.stringBytes)
  }

  /// `list`: recent sessions with status and counts.
  public func list(limit: Int, json: Bool) throws {
    let sessions = try journal.sessions(limit: limit)
    if !json {
      try line(
        pad("SESSION", 22) + " " + pad("STATUS", 11) + " " + pad("ORIGINS", 7, right: true) + " "
          + pad("DONE", 7, right: true) + " " + pad("FAILED", 6, right: true) + " "
          + pad("PENDING", 7, right: true) + "  " + pad("UPDATED", 20) + "  PIPELINE")
    }
    for session in sessions {
      let counts = try journal.counts(session: session.id)
      if json {
        try self.json(object(for: session, counts: counts))
      } else {
        try line(
          pad(session.name, 22) + " " + pad(session.status, 11) + " "
            + pad("\(counts.origins)", 7, right: true) + " "
            + pad("\(counts.completed)", 7, right: true) + " "
            + pad("\(counts.failed)", 6, right: true) + " "
            + pad("\(counts.pending)", 7, right: true) + "  " + pad(session.updated, 20) + "  "
            + (session.pipeline ?? "-"))
      }
    }
  }

  /// `status`: one session's state, as a sentence, JSON, or shell assignments for atk-run.
  public func status(_ session: Journal.Session, format: StatusFormat) throws {
    let counts = try journal.counts(session: session.id)
    switch format {
    case .json:
      try json(object(for: session, counts: counts))
    case .text:
      try line(
        "session \(session.name): \(session.status), \(counts.completed) of \(counts.origins) "
          + "origins complete, \(counts.failed) failed, \(counts.pending) pending"
          + (session.scanComplete ? "" : "; scan not complete"))
    case .shell:
      var out: [UInt8] = []
      func assign(_ name: String, _ value: [UInt8]) {
        out += Array("\(name)=".utf8) + Self.shellQuoted(value) + [0x0A]
      }
      assign("session", Array(session.name.utf8))
      assign("status", Array(session.status.utf8))
      assign("origins", Array("\(counts.origins)".utf8))
      assign("completed", Array("\(counts.completed)".utf8))
      assign("failed", Array("\(counts.failed)".utf8))
      assign("pending", Array("\(counts.pending)".utf8))
      assign("scan_complete", session.scanComplete ? [0x31] : [0x30])
      assign("pipeline", Array((session.pipeline ?? "").utf8))
      assign("cwd", session.cwd ?? [])
      out += Array("set --".utf8)
      for input in Self.inputs(of: session) { out += [0x20] + Self.shellQuoted(input) }
      out.append(0x0A)
      try writer.write(bytes: out)
    }
  }

  /// How `status` answers.
  public enum StatusFormat: Sendable { case text, json, shell }

  /// `show`: each origin with its status and error, then the bad lines.
  public func show(_ session: Journal.Session, json: Bool) throws {
    if !json { try status(session, format: .text) }
    try journal.origins(session: session.id) { origin throws(JournalError) in
      do throws(RecordWriterError) {
        if json {
          var fields: [String: JSONValue] = [
            "origin": .text(origin.origin), "status": .string(origin.status),
            "outputs": .int(Int64(origin.outputs)), "created": .string(origin.created),
            "updated": .string(origin.updated),
          ]
          if let code = origin.errorCode {
            fields["error"] = .object([
              "code": .string(code), "message": .string(origin.errorMessage ?? ""),
            ])
          }
          try self.json(fields)
        } else {
          var text = pad(origin.status, 10) + " " + RawPath(bytes: origin.origin).display
          if let code = origin.errorCode {
            text += ": \(code): \(origin.errorMessage ?? "")"
          }
          try line(text)
        }
      } catch { throw JournalError.invalid(error.description) }
    }
    try journal.badLines(session: session.id) { bad throws(JournalError) in
      do throws(RecordWriterError) {
        if json {
          try self.json([
            "bad_line": .int(bad.line), "error": .string(bad.error),
            "text": .text(Array(bad.text.prefix(512))),
          ])
        } else {
          try line(pad("bad line", 10) + " \(bad.line): \(bad.error)")
        }
      } catch { throw JournalError.invalid(error.description) }
    }
  }

  /// Writes raw record lines (the `record` column) from `rows` to the writer.
  public func records(
    _ rows: ((UnsafeBufferPointer<UInt8>) throws(JournalError) -> Void) throws(JournalError)
      -> Void
  ) throws {
    var failure: RecordWriterError?
    try rows { bytes throws(JournalError) in
      do throws(RecordWriterError) {
        try writer.write(bytes: bytes)
        try writer.write(bytes: CollectionOfOne(UInt8(0x0A)))
      } catch {
        failure = error
        throw JournalError.invalid(error.description)
      }
    }
    if let failure { throw failure }
  }

  /// `bytes` in single quotes for a POSIX shell.
  public static func shellQuoted(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x27]
    for byte in bytes {
      if byte == 0x27 { out += Array("'\\''".utf8) } else { out.append(byte) }
    }
    out.append(0x27)
    return out
  }

  private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let n = text.count
    guard n < width else { return text }
    let fill = String(repeating: " ", count: width - n)
    return right ? fill + text : text + fill
  }
}
