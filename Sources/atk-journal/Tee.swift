import ATKCommandLine
import ATKJournal
import ATKKit
import ATKRecords
import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

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
  @Flag(name: .shortAndLong, help: "Hide warnings and notes (errors are always shown).")
  var quiet = false

  func validate() throws {
    if onlyNew && !pending { throw ValidationError("--only-new needs --pending") }
    if checkpointInterval < 1 { throw ValidationError("--checkpoint-interval must be at least 1") }
    if checkpointMs < 1 { throw ValidationError("--checkpoint-ms must be at least 1") }
    if maxRecordBytes < 64 { throw ValidationError("--max-record-bytes must be at least 64") }
  }

  func run() throws {
    // The tee's notes (a new session's name) are worth showing by default; -q hides them
    // with the warnings.
    let diagnostics = Diagnostics(tool: "atk-journal", quiet: quiet, verbose: !quiet)
    if !quiet && StandardStreams.inputIsTerminal {
      StandardStreams.writeError(
        "atk-journal: reading records from the terminal; pipe a pipeline into me; Ctrl-D to end\n")
    }
    try location.run(.readWrite) { journal, _ in
      let name = session ?? Journal.newSessionName()
      let opened = try journal.openSession(named: name)
      if session == nil { diagnostics.note("session \(name)") }
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
