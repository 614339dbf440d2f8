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
///
/// The driver keeps the record contract, so a stage only does its own work: a record reaches
/// `process` with a usable `path` and with `origin` and `relpath` set (from the path when it
/// arrived without them), and a stage marks what it emits with `succeeded(_:)` or
/// `failed(_:_:_:)`, which write its `step`.
public protocol Stage: Sendable {
  /// The stage's name in the `step` key of the records it writes: the tool's name without
  /// `atk-` (`scan`, `convert`, `split`).
  static var step: String { get }

  /// Handles one record.
  func process(_ record: Record, context: StageContext, emit: (Record) -> Void)
    throws(CancellationError)

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

  /// `output` as a record this stage finished: `status` ok, no `error`, and this stage's `step`.
  public func succeeded(_ output: Record) -> Record {
    var record = output
    record[Record.Key.status] = "ok"
    record[Record.Key.error] = nil
    record[Record.Key.step] = .string(Self.step)
    return record
  }

  /// `record` failed by this stage with `code` and `message` (see `Record.failed`).
  public func failed(_ record: Record, _ code: ErrorCode, _ message: String) -> Record {
    record.failed(code: code, message: message, step: Self.step)
  }

  /// `record` failed by this stage as `error` says: its code and its description.
  public func failed(_ record: Record, _ error: some RecordError) -> Record {
    record.failed(code: error.code, message: error.description, step: Self.step)
  }
}
