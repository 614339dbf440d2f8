#if canImport(Glibc)
  import Glibc
#endif

/// A filter's progress line on standard error: `atk-convert: 12 files, 1 failed, 3.4 files/s`.
///
/// A pipeline has one progress line, drawn by the tool at its end: by default a tool draws
/// only when standard error is a terminal and standard output is not a pipe (a terminal, a
/// file or `/dev/null`), so the tools in the middle of `atk-scan | atk-convert | atk-split`
/// keep quiet and the last one speaks for the pipeline. `--progress` and `--no-progress` decide
/// instead, and `ATK_PROGRESS=0` in the environment turns the default off (atk-run sets it for
/// the tools it runs, drawing one line for the whole batch itself).
///
/// The line counts inputs ("files") written so far, those with a failed record among their
/// outputs (a failure from upstream too, as the end of the pipeline reports for all of it), and
/// the rate since the start. It is used by the writer thread alone.
public final class ProgressMeter {
  /// Whether the line is drawn.
  public let isShown: Bool
  /// Whether records go to the terminal the line is drawn on: the line is then cleared before
  /// records are written, and records are written at once.
  public let sharesTerminalWithRecords: Bool

  private let diagnostics: Diagnostics
  private let start = ContinuousClock.now
  private var files = 0
  private var failed = 0

  /// A meter drawing through `diagnostics` when `shown`.
  public init(shown: Bool, diagnostics: Diagnostics) {
    isShown = shown
    sharesTerminalWithRecords = shown && isatty(StandardStreams.output) == 1
    self.diagnostics = diagnostics
  }

  /// Whether a tool draws its progress line.
  ///
  /// - Parameters:
  ///   - asked: `--progress` (true) or `--no-progress` (false), the last one given; nil when
  ///     neither was.
  ///   - environment: the value of `ATK_PROGRESS`; `0` turns the default off.
  public static func isWanted(asked: Bool?, environment: String?) -> Bool {
    if let asked { return asked }
    if environment == "0" { return false }
    return StandardStreams.errorIsTerminal && !outputIsPipe
  }

  /// Whether standard output is a pipe or a socket: another program reads the records.
  static var outputIsPipe: Bool {
    var info = stat()
    guard fstat(StandardStreams.output, &info) == 0 else { return false }
    let type = info.st_mode & S_IFMT
    return type == S_IFIFO || type == S_IFSOCK
  }

  /// Clears the line before records are written to the same terminal.
  public func willWriteRecords() {
    if sharesTerminalWithRecords { diagnostics.clearProgress() }
  }

  /// Counts one input whose outputs were written, and draws the line (ten times a second at
  /// most).
  public func wrote(failed inputFailed: Bool) {
    files += 1
    if inputFailed { failed += 1 }
    guard isShown else { return }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    diagnostics.progress(Self.text(files: files, failed: failed, seconds: seconds))
  }

  /// The text after the tool's name: `12 files, 1 failed, 3.4 files/s`; the failures only when
  /// there are some, the rate once a second has passed.
  public static func text(files: Int, failed: Int, seconds: Double) -> String {
    var text = files == 1 ? "1 file" : "\(files) files"
    if failed > 0 { text += ", \(failed) failed" }
    if seconds >= 1 { text += ", \(rate(Double(files) / seconds)) files/s" }
    return text
  }

  /// A rate with one decimal below 100, whole above.
  static func rate(_ value: Double) -> String {
    if value >= 99.95 { return "\(Int(value.rounded()))" }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}
