import ATKKit
import ATKRecords
import ArgumentParser
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// atk's version, printed by every tool's `--version`.
public let atkVersion = "0.1.0"

/// The flags every filter shares, in one place so their help text and meaning never drift.
public struct CommonOptions: ParsableArguments {
  /// The most records worked on at once (`--jobs`): each is a thread with its buffers, and
  /// beyond this only memory and start-up time grow.
  public static let maximumJobs = 1024

  @Flag(
    name: [.customShort("0"), .long],
    help: "Read NUL-separated paths from standard input (for find -print0).")
  public var null = false

  @Option(
    name: .shortAndLong,
    help: ArgumentHelp(
      "Records worked on at once, 1 to \(maximumJobs); outputs keep the input order "
        + "(default: \(defaultJobs.description)).", valueName: "jobs"))
  public var jobs: String?

  @Flag(help: "Write each record as soon as it is ready.")
  public var unbuffered = false

  @Flag(name: .shortAndLong, help: "Hide warnings and hints (errors are always shown).")
  public var quiet = false

  @Flag(name: .shortAndLong, help: "Show notes about each file.")
  public var verbose = false

  @Flag(
    inversion: .prefixedNo, exclusivity: .chooseLast,
    help: ArgumentHelp(
      "Draw a progress line on standard error (default: when standard error is a terminal "
        + "and standard output is not a pipe, unless ATK_PROGRESS=0)."))
  public var progress: Bool?

  @Flag(help: "Also take files and folders whose names start with '.' from folders.")
  public var hidden = false

  @Flag(help: "Also walk atk's output folders (atk-out, and folders holding .atk-output).")
  public var includeOutputs = false

  @Option(help: ArgumentHelp("Longest input line accepted, in bytes.", valueName: "bytes"))
  public var maxRecordBytes = 1 << 20

  public init() {}

  public func validate() throws {
    if let jobs { _ = try OptionValue.whole(jobs, of: "--jobs", in: 1...Self.maximumJobs) }
    if maxRecordBytes < 64 { throw ValidationError("--max-record-bytes must be at least 64") }
  }

  /// Driver options for `tool` reading `inputs` (command-line paths, in their raw bytes).
  public func driverOptions(tool: String, inputs: [String]) -> DriverOptions {
    var options = DriverOptions(tool: tool)
    options.arguments = RawArguments.paths(for: inputs)
    options.nulSeparated = null
    options.jobs = jobs.flatMap { Int($0) } ?? Self.defaultJobs.count
    options.unbuffered = unbuffered
    options.quiet = quiet
    options.verbose = verbose
    options.progress = ProgressMeter.isWanted(
      asked: progress, environment: getenv("ATK_PROGRESS").map { String(cString: $0) })
    options.includeHidden = hidden
    options.includeOutputs = includeOutputs
    options.maxRecordBytes = maxRecordBytes
    return options
  }

  /// The hint shown when a filter waits for records typed at a terminal.
  public static let recordsHint =
    "reading records from the terminal; pipe atk-scan into me or give paths; Ctrl-D to end"

  /// Runs `stage` over the input with the driver, then exits with its status.
  ///
  /// A person at a terminal is told what is going on, unless `--quiet`: that the tool waits
  /// for input typed at the terminal (`hint`, when no paths were given and standard input is
  /// a terminal), and, when the outputs went to the default folder because no `-o` was given,
  /// where that is (at the end, when standard error is a terminal).
  ///
  /// - Parameters:
  ///   - defaultOutput: the folder the outputs went to, when `-o` was not given.
  public func run(
    _ stage: some Stage, options: DriverOptions, defaultOutput: RawPath? = nil,
    hint: String = recordsHint
  ) throws -> Never {
    if options.arguments.isEmpty && !quiet && StandardStreams.inputIsTerminal {
      StandardStreams.writeError("\(options.tool): \(hint)\n")
    }
    let status = FilterDriver(options: options).run(stage)
    if let defaultOutput, !quiet, StandardStreams.errorIsTerminal,
      status == .ok || status == .someFailed,
      defaultOutput.withCString({ access($0, F_OK) }) == 0
    {
      StandardStreams.writeError(
        "\(options.tool): outputs are below './\(defaultOutput.display)' (no -o given)\n")
    }
    try exitAfter(status)
  }
}

extension CommonOptions {
  /// What `--jobs` is when not given.
  public enum JobsDefault: Sendable, CustomStringConvertible {
    /// One record at a time.
    case one
    /// As many as the machine has cores.
    case cores

    /// The number of jobs.
    public var count: Int { self == .one ? 1 : coreCount }

    public var description: String {
      self == .one ? "1" : "the number of cores, \(coreCount) here"
    }
  }

  private static let jobsDefault = Mutex(JobsDefault.one)

  /// The `--jobs` default of the running tool; `toolMain(defaultJobs:)` sets it.
  public static var defaultJobs: JobsDefault {
    get { jobsDefault.withLock { $0 } }
    set { jobsDefault.withLock { $0 = newValue } }
  }
}

/// Runs a filter and exits with its status.
public func exitAfter(_ status: ExitStatus) throws -> Never {
  throw ExitCode(status.rawValue)
}
