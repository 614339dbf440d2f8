import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

private let recordDescriptor = Atomic<Int32>(1)
private let takenOver = Atomic<Bool>(false)

/// The one owner of file descriptors 0, 1 and 2.
///
/// Records go to standard output through `RecordWriter`; everything a person should read goes
/// to standard error through here. No other code writes to these descriptors.
public enum StandardStreams {
  /// Standard input's descriptor, for `LineReader`.
  public static let input: Int32 = 0

  /// The descriptor records are written to, for `RecordWriter`: 1, or after `takeOver` a
  /// private duplicate of it.
  public static var output: Int32 { recordDescriptor.load(ordering: .acquiring) }

  /// Keeps standard output for records alone; call once at the start of a filter, before any
  /// thread is started and before any audio library runs.
  ///
  /// Records go on to a duplicate of descriptor 1 (close-on-exec), and descriptor 1 becomes a
  /// duplicate of descriptor 2 (of `/dev/null` when that is closed), so a C library writing to
  /// descriptor 1 lands on standard error, never among the records. The C library's `stdout`
  /// and `stderr` streams are handed to `LibraryOutput`, which turns what libsndfile and
  /// libmpg123 print there into warnings naming the file.
  ///
  /// - Parameter tool: the tool's name, for warnings about library output.
  public static func takeOver(tool: String) {
    guard !takenOver.exchange(true, ordering: .acquiringAndReleasing) else { return }
    let records = fcntl(1, F_DUPFD_CLOEXEC, 3)
    if records >= 0 {
      recordDescriptor.store(records, ordering: .releasing)
      if dup2(2, 1) < 0 {
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        if null >= 0 {
          dup2(null, 1)
          close(null)
        }
      }
    }
    LibraryOutput.install(tool: tool)
  }

  /// Whether standard error is a terminal (see `ProgressMeter`).
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
