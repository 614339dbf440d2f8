// The subcommands atk-run uses to keep a session's state: begin, mark-scanned, finish,
// reset-failed, counts. They work like the others but are left out of the help.
import ATKCommandLine
import ATKJournal
import ATKKit
import ATKRecords
import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

struct Begin: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Start a session for atk-run, storing its pipeline, folder and inputs.",
    shouldDisplay: false)
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
    abstract: "Record that the scan of a session's inputs ran to its end.",
    shouldDisplay: false)
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
    abstract: "Set a session's status from its origins (or to paused) and print it.",
    shouldDisplay: false)
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
    abstract: "Make a session's failed origins pending again, and print how many.",
    shouldDisplay: false)
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

struct Counts: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print a session's origins, completed, failed and pending, as four numbers.",
    shouldDisplay: false)
  @OptionGroup var location: Location
  @Argument(help: "The session.") var session: String

  func run() throws {
    try location.run(.readOnly) { journal, writer in
      let found = try journal.existingSession(named: session)
      let counts = try journal.originCounts(session: found.id)
      try writer.write(
        bytes: Array(
          "\(counts.origins) \(counts.completed) \(counts.failed) \(counts.pending)\n".utf8))
      return .ok
    }
  }
}
