import ATKKit
import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// atk-journal's default mode: copies records from standard input to standard output byte for
/// byte and records them in the journal.
///
/// At the head of a pipeline (`Role.head`) each record's origin is registered as pending, with
/// the record as the one to replay; the batch is committed *before* its lines go downstream, so
/// nothing is worked on that the journal does not know. At the tail (`Role.tail`) records are
/// outputs: each is stored under its origin and place (`part`), and `OriginTracker` decides when
/// an origin is complete or failed.
///
/// Commits come every `checkpointInterval` records, when a record has waited
/// `checkpointMilliseconds`, whenever the input runs dry, at the end, and on SIGINT or SIGTERM.
/// After a first signal the tail keeps reading what upstream still flushes, for up to
/// `graceMilliseconds`, then commits, marks the session paused and stops.
public final class JournalTee {
  /// Where in the pipeline the tee sits.
  public enum Role: Sendable, Equatable {
    /// Registers origins as pending before passing records on; with `onlyNew`, records whose
    /// origin the session already knows are dropped.
    case head(onlyNew: Bool)
    /// Stores output records and completes origins.
    case tail
  }

  /// How the tee runs.
  public struct Options: Sendable {
    public var role: Role = .tail
    /// Most records in one transaction.
    public var checkpointInterval = 1000
    /// Longest a record waits for its commit while input keeps flowing.
    public var checkpointMilliseconds = 200
    /// How long the tail keeps reading after a first signal.
    public var graceMilliseconds = 2000
    /// Longest input line accepted.
    public var maxRecordBytes = 1 << 20
    public init() {}
  }

  private let journal: Journal
  private let session: Journal.Session
  private let options: Options
  private let diagnostics: Diagnostics
  private let writer = RecordWriter(fd: StandardStreams.output)
  private var tracker = OriginTracker()

  private var batchCount = 0
  private var batchStart = ContinuousClock.now
  private var now = ""
  /// Lines on their way to standard output: at the head, held back until their batch is
  /// committed; at the tail, gathered into blocks.
  private var heldLines: [UInt8] = []
  private var badLines = 0
  private var stopSeen: ContinuousClock.Instant?

  /// A tee writing to `session` of `journal`.
  public init(
    journal: Journal, session: Journal.Session, options: Options, diagnostics: Diagnostics
  ) {
    self.journal = journal
    self.session = session
    self.options = options
    self.diagnostics = diagnostics
    heldLines.reserveCapacity(128 * 1024)
  }

  private var isHead: Bool { options.role != .tail }

  private struct GraceOver: Error {}

  /// Runs to the end of input (or a stop) and returns the exit status.
  public func run() -> ExitStatus {
    Cancellation.install()
    var reader = LineReader(fd: StandardStreams.input, maxLineBytes: options.maxRecordBytes)
    reader.shouldStop = { [unowned self] in
      guard Cancellation.isRequested else { return false }
      if stopSeen == nil { stopSeen = .now }
      return isHead
    }
    reader.idleTimeoutMilliseconds = Int32(min(options.checkpointMilliseconds, 100))
    reader.onIdle = { [unowned self] in try idle() }
    reader.beforeBlocking = { [unowned self] in
      var descriptor = pollfd(fd: StandardStreams.input, events: Int16(POLLIN), revents: 0)
      if poll(&descriptor, 1, 0) == 0 { try checkpoint() }
    }
    if let reason = journal.holdSessionLock(session.id) {
      diagnostics.warning(
        "cannot mark session '\(session.name)' as being written (\(reason)); "
          + "'atk-journal clean' may remove it meanwhile")
    }
    do {
      try journal.setStatus("in_progress", session: session.id)
      reading: while let item = try reader.next() {
        switch item {
        case .line(let bytes, let number):
          try bytes.withUnsafeBufferPointer { try handle($0, number: number) }
        case .tooLong(let number, let size):
          let message =
            "record of \(size) bytes is longer than the limit of \(options.maxRecordBytes) "
            + "(--max-record-bytes); dropped"
          try recordBadLine(number: number, text: [], message: message)
        }
        if batchCount >= options.checkpointInterval
          || batchCount > 0
            && ContinuousClock.now - batchStart >= .milliseconds(options.checkpointMilliseconds)
        {
          try checkpoint()
        }
        if Cancellation.isRequested {
          if stopSeen == nil { stopSeen = .now }
          if isHead || graceIsOver { break reading }
        }
      }
      try checkpoint()
      return try finish()
    } catch is GraceOver {
      return stopAfterSignal()
    } catch var error as JournalError {
      journal.rollback()
      if case .sessionRemoved(let path, nil) = error {
        error = .sessionRemoved(path: path, name: session.name)
      }
      diagnostics.error(error.description)
      try? writer.flush()
      return .trouble
    } catch let error as RecordWriterError {
      // Whatever was committed stays committed; the rest is replayed.
      try? journal.commit()
      diagnostics.error(error.description)
      return .trouble
    } catch {
      try? checkpoint()
      diagnostics.error("\(error)")
      return .trouble
    }
  }

  private var graceIsOver: Bool {
    guard let stopSeen else { return false }
    return ContinuousClock.now - stopSeen >= .milliseconds(options.graceMilliseconds)
  }

  /// Called when no input came for a while: commits a waiting batch, ends a grace period.
  private func idle() throws {
    if batchCount > 0 { try checkpoint() }
    if Cancellation.isRequested {
      if stopSeen == nil { stopSeen = .now }
      if graceIsOver { throw GraceOver() }
    }
  }

  /// Commits the open batch and passes held lines on.
  private func checkpoint() throws {
    if journal.inTransaction { try journal.commit() }
    batchCount = 0
    try passHeldLines()
    try writer.flush()
  }

  private func openBatch() throws(JournalError) {
    guard !journal.inTransaction else { return }
    try journal.begin()
    batchStart = .now
    now = Journal.timestamp()
  }

  private func finish() throws -> ExitStatus {
    if Cancellation.isRequested { return stopAfterSignal() }
    if !isHead { try journal.recomputeStatus(session: session.id) }
    return badLines > 0 ? .someFailed : .ok
  }

  /// Commits what was seen, marks the session paused and returns 128 + the signal.
  private func stopAfterSignal() -> ExitStatus {
    do {
      try checkpoint()
    } catch {
      journal.rollback()
      diagnostics.error("\(error)")
    }
    do {
      try journal.setStatus("paused", session: session.id)
    } catch {
      diagnostics.error(error.description)
    }
    return .interrupted(by: Cancellation.signal)
  }

  // MARK: - One line

  private func handle(_ line: UnsafeBufferPointer<UInt8>, number: Int) throws {
    if !isHead {
      hold(line)
      if heldLines.count >= 64 * 1024 { try passHeldLines() }
    }
    let fields: RecordScanner.Fields
    do {
      fields = try RecordScanner.scan(line)
    } catch {
      try recordBadLine(number: number, text: line, message: error.description)
      if isHead { hold(line) }
      return
    }
    guard let origin = fields.origin(in: line) else {
      var message = "record has no 'origin'"
      if let info = fields.errorInfo(in: line) { message = "\(info.code): \(info.message)" }
      try recordBadLine(number: number, text: line, message: message)
      if isHead { hold(line) }
      return
    }
    try openBatch()
    batchCount += 1
    try origin.withUnsafeBufferPointer { origin throws(JournalError) in
      if case .head(let onlyNew) = options.role {
        let registration = try journal.registerPending(
          session: session.id, origin: origin, record: line, now: now)
        if registration == .added || !onlyNew { hold(line) }
      } else {
        try store(fields, line: line, origin: origin)
      }
    }
  }

  private func passHeldLines() throws(RecordWriterError) {
    guard !heldLines.isEmpty else { return }
    try writer.write(bytes: heldLines)
    heldLines.removeAll(keepingCapacity: true)
  }

  private func hold(_ line: UnsafeBufferPointer<UInt8>) {
    heldLines.append(contentsOf: line)
    heldLines.append(0x0A)
  }

  private func store(
    _ fields: RecordScanner.Fields, line: UnsafeBufferPointer<UInt8>,
    origin: UnsafeBufferPointer<UInt8>
  ) throws(JournalError) {
    let failed = fields.isFailed(in: line)
    let status = failed ? "failed" : fields.isDropped(in: line) ? "dropped" : "ok"
    let part = fields.part(in: line)
    let key = OriginTracker.key(for: part)
    let error = failed ? fields.errorInfo(in: line) : nil
    try journal.storeOutput(
      session: session.id, origin: origin, partKey: key, status: status, record: line, now: now)
    if part.isEmpty {
      if tracker.count > 0 { tracker.forget(Array(origin)) }
      try journal.setOrigin(
        session: session.id, origin: origin, status: failed ? "failed" : "completed",
        error: error, now: now)
      return
    }
    let name = Array(origin)
    if !tracker.isTracking(name) {
      try journal.ensureOrigin(session: session.id, origin: origin, now: now)
      tracker.start(name, stored: try journal.storedParts(session: session.id, origin: origin))
    }
    let outcome = tracker.add(name, part: part, failed: failed)
    for old in outcome.superseded {
      try journal.deleteOutput(
        session: session.id, origin: origin, partKey: OriginTracker.key(for: old))
    }
    if outcome.complete {
      try journal.setOrigin(
        session: session.id, origin: origin, status: outcome.failed ? "failed" : "completed",
        error: error, now: now)
    } else if failed {
      try journal.setOrigin(
        session: session.id, origin: origin, status: "failed", error: error, now: now)
    }
  }

  private func recordBadLine(number: Int, text: UnsafeBufferPointer<UInt8>, message: String)
    throws
  {
    badLines += 1
    diagnostics.error(message, line: number)
    try openBatch()
    batchCount += 1
    try journal.addBadLine(
      session: session.id, line: number, text: text, error: message, now: now)
  }

  private func recordBadLine(number: Int, text: [UInt8], message: String) throws {
    try text.withUnsafeBufferPointer {
      try recordBadLine(number: number, text: $0, message: message)
    }
  }
}
