import ATKRecords
import Synchronization

/// Reports errors, warnings and progress on standard error, one line each.
///
/// Lines read `atk-convert: error: line 12: 'take3.wav': cannot open: <cause>`: the tool, the
/// severity, the place (input line, then path) and the cause. It is safe to use from the worker
/// threads of `--jobs`.
public final class Diagnostics: Sendable {
  /// The tool's name, at the start of every line.
  public let tool: String
  /// Hide warnings (never errors).
  public let quiet: Bool
  /// Show notes as well.
  public let verbose: Bool

  private let state = Mutex(State())

  private struct State {
    var progressShown = false
    var lastProgress = ContinuousClock.now - .seconds(1)
    var errors = 0
  }

  /// A reporter for `tool`.
  public init(tool: String, quiet: Bool = false, verbose: Bool = false) {
    self.tool = tool
    self.quiet = quiet
    self.verbose = verbose
  }

  /// How many errors were reported.
  public var errorCount: Int { state.withLock { $0.errors } }

  /// Reports an error.
  public func error(_ message: String, line: Int? = nil, path: RawPath? = nil) {
    state.withLock { $0.errors += 1 }
    emit("error", message, line: line, path: path)
  }

  /// Reports a warning, unless `quiet`.
  public func warning(_ message: String, line: Int? = nil, path: RawPath? = nil) {
    guard !quiet else { return }
    emit("warning", message, line: line, path: path)
  }

  /// Reports a detail, only with `verbose`.
  public func note(_ message: String, line: Int? = nil, path: RawPath? = nil) {
    guard verbose else { return }
    emit("note", message, line: line, path: path)
  }

  /// Shows a one-line progress report, at most ten times a second; `ProgressMeter` decides
  /// whether there is one.
  public func progress(_ text: @autoclosure () -> String) {
    let now = ContinuousClock.now
    let show = state.withLock { s -> Bool in
      guard now - s.lastProgress >= .milliseconds(100) else { return false }
      s.lastProgress = now
      s.progressShown = true
      return true
    }
    if show { StandardStreams.writeError("\r\u{1B}[K\(tool): \(text())") }
  }

  /// Clears the progress line, if one is shown.
  public func clearProgress() {
    let shown = state.withLock { s -> Bool in
      defer { s.progressShown = false }
      return s.progressShown
    }
    if shown { StandardStreams.writeError("\r\u{1B}[K") }
  }

  /// The text of a diagnostic line, without the newline.
  public func format(_ severity: String, _ message: String, line: Int?, path: RawPath?) -> String {
    var text = "\(tool): \(severity): "
    if let line { text += "line \(line): " }
    if let path { text += "'\(path.display)': " }
    return text + message
  }

  /// Writes one diagnostic line. On a terminal it starts by clearing the line it lands on,
  /// which may hold a progress line, this tool's or another's (atk-run's).
  private func emit(_ severity: String, _ message: String, line: Int?, path: RawPath?) {
    let shown = state.withLock { s -> Bool in
      defer { s.progressShown = false }
      return s.progressShown
    }
    let clear = shown || StandardStreams.errorIsTerminal ? "\r\u{1B}[K" : ""
    StandardStreams.writeError(clear + format(severity, message, line: line, path: path) + "\n")
  }
}
