import ATKCommandLine
import ATKJournal
import ATKKit
import ATKRecords
import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

struct ATKJournal: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "atk-journal",
    abstract: "Record a pipeline's records in an SQLite journal, so a batch can resume.",
    discussion: """
      Without a subcommand, copies records from standard input to standard output and records \
      them (see 'tee'). See atk-journal(1).

      Runner subcommands, for atk-run and not listed here: begin, mark-scanned, finish, \
      reset-failed, counts.
      """,
    version: atkVersion,
    subcommands: [
      Tee.self, List.self, Show.self, Pending.self, Export.self, Clean.self, Status.self,
      Begin.self, MarkScanned.self, Finish.self, ResetFailed.self, Counts.self,
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

ATKJournal.toolMain()
