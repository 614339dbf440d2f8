import ATKRecords

/// What a stage sees besides the record: where it came from and whom to tell.
public struct StageContext: Sendable {
  /// The input line the record came from, when it came from standard input.
  public var line: Int?
  /// Where errors and warnings go.
  public var diagnostics: Diagnostics
  /// The record's position in the input, counted from 0, when a driver runs the stage; output
  /// claims are decided in this order (see `OutputPaths`).
  public var sequence: Int?

  public init(line: Int?, diagnostics: Diagnostics, sequence: Int? = nil) {
    self.line = line
    self.diagnostics = diagnostics
    self.sequence = sequence
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

  /// The output paths of a stage that writes files below an output folder; nil (the default)
  /// for one that writes none.
  ///
  /// The driver notes the run's inputs in it and admits each record in input order; the stage
  /// claims each output name through it before writing, so two inputs mapping to one output
  /// fail the same way whatever `--jobs` is.
  var outputPaths: OutputPaths? { get }
}

extension Stage {
  public var outputPaths: OutputPaths? { nil }
}
