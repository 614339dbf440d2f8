import ATKRecords

/// Why a stage's work on one input failed, or that a stop was asked for.
///
/// A stage's work throws this, typed, so that every error it meets maps to a documented
/// `ErrorCode` and none is left for a catch-all.
public enum StageFailure: Error, Sendable {
  /// A stop was asked for (a signal, or the reader of standard output left): the input is
  /// abandoned, its temporary files removed.
  case cancelled
  /// The input fails with this code and message.
  case failed(code: ErrorCode, message: String)

  /// The failure `error` stands for; an error coded `interrupted` (a stop that came while the
  /// input waited for its output name) is a stop.
  public init(_ error: some RecordError) {
    self =
      error.code == .interrupted
      ? .cancelled : .failed(code: error.code, message: error.description)
  }

  /// A stop.
  public init(_ error: CancellationError) { self = .cancelled }
}

extension Stage {
  /// Emits `record` failed as `failure` says, or rethrows a stop as `CancellationError`.
  public func emitFailure(
    _ failure: StageFailure, of record: Record, _ emit: (Record) -> Void
  ) throws(CancellationError) {
    switch failure {
    case .cancelled: throw CancellationError()
    case .failed(let code, let message): emit(failed(record, code, message))
    }
  }
}
