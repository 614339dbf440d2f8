import ATKCommandLine
import ATKCore
import ATKRecords
import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

struct ATKJournal: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "atk-journal",
    abstract: "Record a pipeline's records in an SQLite journal, so a batch can resume.",
    discussion: "Without a subcommand, copies records from standard input to standard output "
      + "and records them (see 'tee'). See atk-journal(1).",
    version: atkVersion,
    subcommands: [
      Tee.self, List.self, Show.self, Pending.self, Export.self, Clean.self, Status.self,
      Begin.self, MarkScanned.self, Finish.self, ResetFailed.self,
    ],
    defaultSubcommand: Tee.self)
}

/// `--db`, shared by every subcommand.
struct Location: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The journal database (default: $ATK_JOURNAL, else $XDG_STATE_HOME/atk/journal.db, "
        + "else ~/.local/state/atk/journal.db).", valueName: "path"))
  var db: String?

  /// Opens the journal, runs `body` and exits: 2 on a journal or output error.
  func run(
    _ access: Journal.Access, _ body: (Journal, RecordWriter) throws -> ExitStatus
  ) throws -> Never {
    let diagnostics = Diagnostics(tool: "atk-journal")
    let writer = RecordWriter(fd: StandardStreams.output)
    do {
      let journal = try Journal(path: db ?? JournalReport.defaultPath(), access: access)
      let status = try body(journal, writer)
      try writer.flush()
      try journal.close()
      try exitAfter(status)
    } catch let error as JournalError {
      diagnostics.error(error.description)
      try? writer.flush()
      try exitAfter(.trouble)
    } catch let error as RecordWriterError {
      diagnostics.error(error.description)
      try exitAfter(.trouble)
    }
  }
}

struct Tee: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Copy records from standard input to standard output and record them (default).")
  @OptionGroup var location: Location
  @Option(
    name: .shortAndLong,
    help: ArgumentHelp(
      "The session (made when new; default: a new one, named on standard error).",
      valueName: "name"))
  var session: String?
  @Flag(help: "Head of a pipeline: register each origin as pending before passing it on.")
  var pending = false
  @Flag(help: "With --pending, drop records whose origin the session already knows.")
  var onlyNew = false
  @Option(help: ArgumentHelp("Commit at least every this many records.", valueName: "n"))
  var checkpointInterval = 1000
  @Option(
    help: ArgumentHelp(
      "Commit when a record has waited this long while input keeps flowing.", valueName: "ms"))
  var checkpointMs = 200
  @Option(help: ArgumentHelp("Longest input line accepted, in bytes.", valueName: "bytes"))
  var maxRecordBytes = 1 << 20
  @Flag(name: .shortAndLong, help: "Do not name a new session on standard error.")
  var quiet = false

  func validate() throws {
    if onlyNew && !pending { throw ValidationError("--only-new needs --pending") }
    if checkpointInterval < 1 { throw ValidationError("--checkpoint-interval must be at least 1") }
    if checkpointMs < 1 { throw ValidationError("--checkpoint-ms must be at least 1") }
    if maxRecordBytes < 64 { throw ValidationError("--max-record-bytes must be at least 64") }
  }

  func run() throws {
    let diagnostics = Diagnostics(tool: "atk-journal", quiet: quiet)
    try location.run(.readWrite) { journal, _ in
      let name = session ?? Journal.newSessionName()
      let opened = try journal.openSession(named: name)
      if session == nil { diagnostics.warning("session \(name)") }
      var options = JournalTee.Options()
      options.role = pending ? .head(onlyNew: onlyNew) : .tail
      options.checkpointInterval = checkpointInterval
      options.checkpointMilliseconds = checkpointMs
      options.maxRecordBytes = maxRecordBytes
      return JournalTee(
        journal: journal, session: opened, options: options, diagnostics: diagnostics
      ).run()
    }
  }
}

struct List: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List recent sessions with their status and counts.")
  @OptionGroup var location: Location
  @Option(help: ArgumentHelp("Show at most this many sessions.", valueName: "n")) var limit = 20
  @Flag(help: "One JSON object per session.") var json = false

  func run() throws {
    try location.run(.readOnly) { journal, writer in
      try JournalReport(journal: journal, writer: writer).list(limit: limit, json: json)
      return .ok
    }
  }
}

struct Show: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show each origin of a session with its status and error.")
  @OptionGroup var location: Location
  @Argument(help: "The session.") var session: String
  @Flag(help: "One JSON object per origin (and per bad line).") var json = false

  func run() throws {
    try location.run(.readOnly) { journal, writer in
      let found = try journal.existingSession(named: session)
      try JournalReport(journal: journal, writer: writer).show(found, json: json)
      return .ok
    }
  }
}

struct Pending: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the records to replay: those of the incomplete origins.")
  @OptionGroup var location: Location
  @Argument(help: "The session.") var session: String
  @Flag(help: "Also the records of failed origins.") var failed = false

  func run() throws {
    try location.run(.readOnly) { journal, writer in
      let found = try journal.existingSession(named: session)
      try JournalReport(journal: journal, writer: writer).records { body throws(JournalError) in
        try journal.pendingRecords(session: found.id, includeFailed: failed, body)
      }
      return .ok
    }
  }
}

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print every output record of a session, in arrival order.")
  @OptionGroup var location: Location
  @Argument(help: "The session.") var session: String

  func run() throws {
    try location.run(.readOnly) { journal, writer in
      let found = try journal.existingSession(named: session)
      try JournalReport(journal: journal, writer: writer).records { body throws(JournalError) in
        try journal.outputs(session: found.id, body)
      }
      return .ok
    }
  }
}

struct Clean: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Remove sessions not updated for a while.")
  @OptionGroup var location: Location
  @Option(help: ArgumentHelp("Age: 7d, 12h, 30m, 2w (a bare number is days).", valueName: "age"))
  var olderThan: String
  @Flag(help: "Only say which sessions would go.") var dryRun = false
  @Flag(help: "One JSON object per session removed.") var json = false

  func validate() throws {
    if JournalReport.seconds(inAge: olderThan) == nil {
      throw ValidationError("--older-than wants an age such as 7d, 12h or 30m")
    }
  }

  func run() throws {
    let cutoff = Journal.timestamp(
      Int(time(nil)) - (JournalReport.seconds(inAge: olderThan) ?? 0))
    try location.run(dryRun ? .readOnly : .readWrite) { journal, writer in
      let report = JournalReport(journal: journal, writer: writer)
      for session in try journal.sessions() where session.updated <= cutoff {
        let counts = try journal.counts(session: session.id)
        if !dryRun { try journal.deleteSession(session.id) }
        if json {
          var fields = report.object(for: session, counts: counts)
          fields["removed"] = .bool(!dryRun)
          try writer.write(Record(fields))
        } else {
          let verb = dryRun ? "would remove" : "removed"
          try writer.write(
            bytes: Array(
              "\(verb) \(session.name) (\(session.status), updated \(session.updated))\n".utf8))
        }
      }
      return .ok
    }
  }
}

struct Status: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Say how far a session got (default: the latest incomplete one).")
  @OptionGroup var location: Location
  @Argument(help: "The session.") var session: String?
  @Flag(help: "As a JSON object.") var json = false
  @Flag(help: "As shell assignments and a 'set --' of the inputs, for atk-run.") var shell = false

  func run() throws {
    try location.run(.readOnly) { journal, writer in
      let found: Journal.Session
      if let session {
        found = try journal.existingSession(named: session)
      } else if let latest = try journal.latestIncompleteSession() {
        found = latest
      } else {
        throw JournalError.invalid("journal '\(journal.path)' has no incomplete session")
      }
      try JournalReport(journal: journal, writer: writer).status(
        found, format: shell ? .shell : json ? .json : .text)
      return .ok
    }
  }
}

struct Begin: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Start a session for atk-run, storing its pipeline, folder and inputs.")
  @OptionGroup var location: Location
  @Option(
    name: .shortAndLong, help: ArgumentHelp("The session (default: a new name).", valueName: "name")
  )
  var session: String?
  @Option(help: ArgumentHelp("The pipeline between the journals.", valueName: "pipeline"))
  var pipeline: String
  @Option(help: ArgumentHelp("The folder it runs in.", valueName: "dir")) var cwd: String
  @Argument(help: "The inputs given to atk-scan.") var inputs: [String] = []

  func run() throws {
    try location.run(.readWrite) { journal, writer in
      let name = session ?? Journal.newSessionName()
      var list: [UInt8] = []
      JSONWriter.write(.array(RawArguments.paths(for: inputs).map(\.json)), into: &list)
      let created = try journal.createSession(
        name: name, pipeline: pipeline, cwd: RawArguments.paths(for: [cwd])[0].bytes,
        inputs: list, scanComplete: false)
      try writer.write(bytes: Array((created.name + "\n").utf8))
      return .ok
    }
  }
}

struct MarkScanned: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Record that the scan of a session's inputs ran to its end.")
  @OptionGroup var location: Location
  @Argument(help: "The session.") var session: String

  func run() throws {
    try location.run(.readWrite) { journal, _ in
      try journal.markScanned(session: try journal.existingSession(named: session).id)
      return .ok
    }
  }
}

struct Finish: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Set a session's status from its origins (or to paused) and print it.")
  @OptionGroup var location: Location
  @Argument(help: "The session.") var session: String
  @Flag(help: "Mark the session paused.") var paused = false

  func run() throws {
    try location.run(.readWrite) { journal, writer in
      let found = try journal.existingSession(named: session)
      var status = "paused"
      if paused {
        try journal.setStatus(status, session: found.id)
      } else {
        status = try journal.recomputeStatus(session: found.id)
      }
      try writer.write(bytes: Array((status + "\n").utf8))
      return .ok
    }
  }
}

struct ResetFailed: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Make a session's failed origins pending again, and print how many.")
  @OptionGroup var location: Location
  @Argument(help: "The session.") var session: String

  func run() throws {
    try location.run(.readWrite) { journal, writer in
      let count = try journal.resetFailed(session: try journal.existingSession(named: session).id)
      try writer.write(bytes: Array("\(count)\n".utf8))
      return .ok
    }
  }
}

ATKJournal.main()
