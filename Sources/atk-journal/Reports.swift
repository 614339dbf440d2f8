// The subcommands that read a journal: list, show, pending, export, clean, status.
import ATKCommandLine
import ATKJournal
import ATKKit
import ATKRecords
import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

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
  @Option(
    help: ArgumentHelp(
      "Age: 30min, 12h, 7d, 2w or 6mo (also s; a bare number is days).", valueName: "age"))
  var olderThan: String
  @Flag(help: "Only say which sessions would go.") var dryRun = false
  @Flag(help: "One JSON object per session removed.") var json = false

  func validate() throws {
    _ = try OptionValue.ageSeconds(olderThan, of: "--older-than")
  }

  func run() throws {
    let cutoff = Journal.timestamp(
      Int(time(nil)) - (try OptionValue.ageSeconds(olderThan, of: "--older-than")))
    try location.run(dryRun ? .readOnly : .readWrite) { journal, writer in
      let report = JournalReport(journal: journal, writer: writer)
      let diagnostics = Diagnostics(tool: "atk-journal")
      for session in try journal.sessions() where session.updated <= cutoff {
        let counts = try journal.counts(session: session.id)
        // A session a tee is writing stays, whatever its age.
        let removed = dryRun ? false : try journal.deleteSession(session.id)
        if !removed && (!dryRun || journal.isBeingWritten(session.id)) {
          diagnostics.warning("session '\(session.name)' is being written; not removed")
          continue
        }
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
  @Flag(help: "Without a session: the latest one with incomplete or failed origins.")
  var failed = false

  func run() throws {
    try location.run(.readOnly) { journal, writer in
      let found: Journal.Session
      if let session {
        found = try journal.existingSession(named: session)
      } else if let latest = try journal.latestIncompleteSession(includingFailed: failed) {
        found = latest
      } else {
        throw JournalError.invalid(
          "journal '\(journal.path)' has no "
            + (failed ? "session with failed or incomplete origins" : "incomplete session"))
      }
      try JournalReport(journal: journal, writer: writer).status(
        found, format: shell ? .shell : json ? .json : .text)
      return .ok
    }
  }
}
