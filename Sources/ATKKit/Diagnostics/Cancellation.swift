import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

private let caughtSignal = Atomic<Int32>(0)

/// SIGINT, SIGTERM and SIGHUP turned into a flag that long loops check.
///
/// The first signal asks the tool to stop: it finishes nothing new, removes the temporary file
/// it was writing, flushes the records it completed and exits with 128 + the signal number.
/// A second signal exits at once. Handlers are installed without `SA_RESTART`, so a blocked
/// `read(2)` returns `EINTR` and the reader can look at the flag.
public enum Cancellation {
  /// Installs the handlers. Call once, early in `main`, before any thread is started.
  ///
  /// A signal the parent set to be ignored stays ignored (`nohup` ignores SIGHUP; a shell
  /// ignores SIGINT for `tool &`), as with other Unix tools. The three signals are unblocked:
  /// a parent may have started the tool with them blocked (Foundation's `Process` on Linux
  /// passes on its worker thread's mask, swift-corelibs-foundation#4772), and the tool would
  /// then never see SIGTERM.
  public static func install() {
    var handled = sigset_t()
    sigemptyset(&handled)
    for number in [SIGINT, SIGTERM, SIGHUP] {
      var current = sigaction()
      if sigaction(number, nil, &current) == 0,
        unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
          == unsafeBitCast(SIG_IGN, to: Int.self)
      {
        continue
      }
      sigaddset(&handled, number)
      var action = sigaction()
      action.__sigaction_handler.sa_handler = { number in
        if caughtSignal.exchange(number, ordering: .relaxed) != 0 {
          _exit(128 + number)
        }
      }
      sigemptyset(&action.sa_mask)
      action.sa_flags = 0
      sigaction(number, &action, nil)
    }
    pthread_sigmask(SIG_UNBLOCK, &handled, nil)
  }

  /// Ignores SIGPIPE, so a write to a pipe whose reader left fails with `EPIPE` instead of
  /// killing the tool before it removes its temporary files; the driver then stops as it does
  /// on SIGINT and exits with 141.
  public static func ignoreBrokenPipe() {
    Glibc.signal(SIGPIPE, SIG_IGN)
  }

  /// Whether a stop was asked for.
  public static var isRequested: Bool { caughtSignal.load(ordering: .relaxed) != 0 }

  /// The signal that asked for the stop, or 0.
  public static var signal: Int32 { caughtSignal.load(ordering: .relaxed) }

  /// Asks for a stop as if `number` had arrived (for tests and fatal errors).
  public static func request(_ number: Int32) {
    _ = caughtSignal.compareExchange(expected: 0, desired: number, ordering: .relaxed)
  }
}

/// Thrown by long operations that saw a stop request.
public struct CancellationError: Error, Sendable, CustomStringConvertible {
  public init() {}
  public var description: String { "interrupted" }
}
