import ATKRecords

/// What a stage sees besides the record: where it came from and whom to tell.
public struct StageContext: Sendable {
  /// The input line the record came from, when it came from standard input.
  public var line: Int?
  /// Where errors and warnings go.
  public var diagnostics: Diagnostics

  public init(line: Int?, diagnostics: Diagnostics) {
    self.line = line
    self.diagnostics = diagnostics
  }

  /// Throws `CancellationError` once a stop was asked for; call it between blocks of audio.
  public func checkCancellation() throws(CancellationError) {
    if Cancellation.isRequested { throw CancellationError() }
  }
}

/// The work of one tool, one record at a time.
///
/// `process` is called once per input record that is neither failed nor dropped, possibly from
/// several threads at once (`--jobs`), so a stage keeps no unsynchronised state. It emits one
/// or more records per input: outputs, or the input marked failed. A stage that derives no
/// output from an input still emits one record for it with `dropped` set (see atk-record(5)).
/// A stage that sees `CancellationError` removes what it was writing and rethrows; that input
/// then emits nothing and is left for a resume.
public protocol Stage: Sendable {
  /// Handles one record.
  func process(_ record: Record, context: StageContext, emit: (Record) -> Void) throws(
    CancellationError)

  /// Looks at each record once, in input order, on one thread, before any worker sees it.
  ///
  /// Returns a failed record to stop the input there (the driver reports and writes it), or
  /// nil to go on. atk-convert uses it to catch two inputs mapping to one output in input
  /// order, whatever `--jobs` is. The default does nothing.
  func admit(_ record: Record) -> Record?
}

extension Stage {
  public func admit(_ record: Record) -> Record? { nil }
}
