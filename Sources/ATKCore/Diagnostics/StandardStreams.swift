#if canImport(Glibc)
  import Glibc
#endif

/// The one owner of file descriptors 0, 1 and 2.
///
/// Records go to standard output through `RecordWriter`; everything a person should read goes
/// to standard error through here. No other code writes to these descriptors.
public enum StandardStreams {
  /// Standard input's descriptor, for `LineReader`.
  public static let input: Int32 = 0
  /// Standard output's descriptor, for `RecordWriter`.
  public static let output: Int32 = 1

  /// Whether standard error is a terminal (progress and colour are shown only then).
  public static let errorIsTerminal: Bool = isatty(2) == 1

  /// Whether standard input is a terminal (a tool given no input then says how to use it).
  public static var inputIsTerminal: Bool { isatty(0) == 1 }

  /// Writes text to standard error as it is, retrying short writes; errors are ignored.
  public static func writeError(_ text: String) {
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty else { return }
    _ = bytes.withUnsafeBytes { Descriptor.writeAll(2, $0.baseAddress!, count: $0.count) }
  }
}
