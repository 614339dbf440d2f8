/// The exit statuses every atk tool uses; each man page's EXIT STATUS lists them.
public struct ExitStatus: RawRepresentable, Hashable, Sendable {
  public var rawValue: Int32
  public init(rawValue: Int32) { self.rawValue = rawValue }

  /// Every input record was handled.
  public static let ok = ExitStatus(rawValue: 0)
  /// The input ended, but at least one record failed; each failure is on standard error.
  public static let someFailed = ExitStatus(rawValue: 1)
  /// Stopped early: unreadable input, failed output, unusable journal, missing codec.
  public static let trouble = ExitStatus(rawValue: 2)
  /// A bad command line; nothing was written to standard output.
  public static let usage = ExitStatus(rawValue: 64)

  /// Stopped by signal `number` (SIGINT gives 130, SIGTERM 143), as a shell reports it.
  public static func interrupted(by number: Int32) -> ExitStatus {
    ExitStatus(rawValue: 128 + number)
  }
}
