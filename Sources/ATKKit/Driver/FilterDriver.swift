import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a stage over the input: reads records, hands them to the stage on `jobs` threads,
/// writes the outputs in input order, reports failures and decides the exit status.
///
/// A reader thread fills a window of at most `2 × jobs` records; workers process them; the
/// calling thread writes each record's outputs once all earlier ones are out. Output is flushed
/// whenever the writer would otherwise wait, so a slow stage never holds finished records back
/// from a journal downstream. On SIGINT or SIGTERM the workers abandon their files, the
/// finished outputs are written, and the tool exits with 128 + the signal number. When the
/// reader of standard output leaves (`| head`: the write fails with `EPIPE`, SIGPIPE being
/// ignored), the tool stops the same way, quietly, and exits with 141 as if killed by SIGPIPE.
///
/// Before any worker sees a record, the reader thread admits it, in input order: a record
/// whose path keys are unusable fails as `bad_record`; one without `origin` or `relpath` gets
/// them from its `path` (as a bare path does), whatever the tool; and, for a stage with
/// `outputPaths`, the record's files are noted as inputs of the run and its output name is put
/// in line.
public struct FilterDriver {
  private let options: DriverOptions
  private let diagnostics: Diagnostics

  /// A driver with the given options.
  public init(options: DriverOptions) {
    self.options = options
    self.diagnostics = Diagnostics(
      tool: options.tool, quiet: options.quiet, verbose: options.verbose)
  }

  /// Runs `stage` to the end of input and returns the exit status.
  public func run(_ stage: some Stage) -> ExitStatus {
    Cancellation.install()
    StandardStreams.takeOver(tool: options.tool)
    Cancellation.ignoreBrokenPipe()
    stage.outputPaths?.noteArguments(options.arguments)
    let shared = SharedState(window: max(2, options.jobs * 2))
    startReader(shared, stage: stage)
    for _ in 0..<max(1, options.jobs) { startWorker(shared, stage: stage) }

    let meter = ProgressMeter(shown: options.progress, diagnostics: diagnostics)
    let writer = RecordWriter(
      fd: StandardStreams.output,
      unbuffered: options.unbuffered || meter.sharesTerminalWithRecords)
    var next = 0
    var failures = 0
    var outputError: RecordWriterError?

    writing: while true {
      let action = shared.monitor.locked { () -> Action in
        while true {
          if let outcome = shared.results.removeValue(forKey: next) { return .write(outcome) }
          if shared.readEnded && next >= shared.readCount { return .finish }
          if Cancellation.isRequested && shared.busy == 0 {
            // Inputs abandoned by the stop are skipped; what finished after them is written.
            guard let later = shared.results.keys.min() else { return .finish }
            next = later
            continue
          }
          if writer.hasPending { return .flush }
          shared.monitor.wait(milliseconds: 100)
        }
      }
      do {
        switch action {
        case .finish:
          break writing
        case .flush:
          try writer.flush()
        case .write(let outcome):
          next += 1
          shared.monitor.locked {
            shared.written = next
            shared.monitor.broadcast()
          }
          for failure in outcome.failures {
            diagnostics.error(failure.message, line: failure.line, path: failure.path)
          }
          meter.willWriteRecords()
          for record in outcome.records { try writer.write(record) }
          failures += outcome.failures.count
          meter.wrote(failed: outcome.records.contains(where: \.isFailed))
        }
      } catch {
        outputError = error
        break writing
      }
    }
    diagnostics.clearProgress()
    if outputError == nil {
      do { try writer.flush() } catch { outputError = error }
    }
    if let outputError, outputError.code == EPIPE {
      // The reader left: stop as on SIGPIPE, removing what is half-written.
      Cancellation.request(SIGPIPE)
      shared.waitUntilIdle()
      return .interrupted(by: Cancellation.signal)
    }
    if let outputError {
      // Stop the workers: they remove their temporary files on the way out.
      Cancellation.request(SIGTERM)
      diagnostics.error(outputError.description)
      shared.waitUntilIdle()
      return .trouble
    }
    if let readError = shared.monitor.locked({ shared.readError }) {
      diagnostics.error(readError)
      return .trouble
    }
    if Cancellation.isRequested { return .interrupted(by: Cancellation.signal) }
    return failures > 0 ? .someFailed : .ok
  }

  private enum Action {
    case write(Outcome)
    case flush
    case finish
  }

  private func startReader(_ shared: SharedState, stage: some Stage) {
    let options = self.options
    let outputs = stage.outputPaths
    startThread {
      var source = InputSource(
        options: options, step: type(of: stage).step, skipping: outputs?.root)
      // The sequence number of the next record: only this thread adds to `readCount`.
      var sequence = 0
      while true {
        let item: InputItem?
        do {
          item = try source.next()
        } catch {
          shared.monitor.locked {
            shared.readError = "\(error)"
            shared.readEnded = true
            shared.monitor.broadcast()
          }
          return
        }
        guard let item, !Cancellation.isRequested else { break }
        for folder in source.takeWalkedFolders() { outputs?.noteFolder(folder, from: sequence) }
        let admitted = Self.admit(item, sequence: sequence, stage: stage)
        shared.monitor.locked {
          while shared.readCount - shared.written >= shared.window && !Cancellation.isRequested {
            shared.monitor.wait(milliseconds: 100)
          }
          shared.queue.append((sequence, admitted))
          shared.readCount = sequence + 1
          shared.monitor.broadcast()
        }
        sequence += 1
      }
      shared.monitor.locked {
        shared.readEnded = true
        shared.monitor.broadcast()
      }
    }
  }

  /// Checks a record before any worker sees it, in input order: notes its files as inputs of
  /// the run, fails it when its path keys are unusable, sets its missing `origin` and
  /// `relpath`, and puts its output name in line.
  private static func admit(_ item: InputItem, sequence: Int, stage: some Stage) -> InputItem {
    let outputs = stage.outputPaths
    switch item {
    case .work(var record, let line):
      outputs?.noteInputs(of: record, at: sequence)
      if let problem = record.pathProblem {
        return .failure(stage.failed(record, .badRecord, problem), line: line)
      }
      record.setMissingOriginAndRelpath()
      do { try outputs?.admit(record, at: sequence) } catch {
        return .failure(stage.failed(record, error), line: line)
      }
      return .work(record, line: line)
    case .passThrough(let record, _), .failure(let record, _):
      outputs?.noteInputs(of: record, at: sequence)
      return item
    }
  }

  private func startWorker(_ shared: SharedState, stage: some Stage) {
    let diagnostics = self.diagnostics
    let outputs = stage.outputPaths
    startThread {
      while true {
        let job = shared.monitor.locked { () -> (Int, InputItem)? in
          while shared.queue.isEmpty && !shared.readEnded && !Cancellation.isRequested {
            shared.monitor.wait(milliseconds: 100)
          }
          guard !shared.queue.isEmpty, !Cancellation.isRequested else { return nil }
          shared.busy += 1
          return shared.queue.removeFirst()
        }
        guard let (sequence, item) = job else { return }
        let outcome = Self.perform(item, sequence: sequence, stage: stage, diagnostics: diagnostics)
        outputs?.finish(sequence, wrote: outcome?.records.contains { !$0.isTerminal } ?? false)
        shared.monitor.locked {
          shared.busy -= 1
          if let outcome { shared.results[sequence] = outcome }
          shared.monitor.broadcast()
        }
      }
    }
  }

  /// Runs the stage on one item; nil when a stop abandoned it.
  private static func perform(
    _ item: InputItem, sequence: Int, stage: some Stage, diagnostics: Diagnostics
  ) -> Outcome? {
    switch item {
    case .passThrough(let record, _):
      return Outcome(records: [record], failures: [])
    case .failure(let record, let line):
      let message = record.errorInfo?.message ?? "failed"
      return Outcome(records: [record], failures: [(message, line, record.path)])
    case .work(let record, let line):
      var outcome = Outcome(records: [], failures: [])
      let context = StageContext(line: line, diagnostics: diagnostics, sequence: sequence)
      let printed: LibraryOutput.Summary?
      do {
        // What libsndfile and libmpg123 print meanwhile becomes one warning about this file.
        printed = try LibraryOutput.collecting { () throws(CancellationError) in
          try stage.process(record, context: context) { output in
            if let info = output.errorInfo {
              outcome.failures.append((info.message, line, record.path))
            }
            outcome.records.append(output)
          }
        }.printed
      } catch {
        return nil
      }
      if let printed { diagnostics.warning(printed.description, line: line, path: record.path) }
      return outcome
    }
  }
}

/// The records one input produced, and the failures to report when they are written.
private struct Outcome {
  var records: [Record]
  var failures: [(message: String, line: Int?, path: RawPath?)]
}

/// The state the reader, the workers and the writer share, guarded by `monitor`.
private final class SharedState: @unchecked Sendable {
  let monitor = Monitor()
  let window: Int
  var queue: [(Int, InputItem)] = []
  var results: [Int: Outcome] = [:]
  var readCount = 0
  var written = 0
  var busy = 0
  var readEnded = false
  var readError: String?

  init(window: Int) { self.window = window }

  /// Waits until no worker is busy (after a stop, they finish quickly).
  func waitUntilIdle() {
    monitor.locked {
      while busy > 0 { monitor.wait(milliseconds: 50) }
    }
  }
}
