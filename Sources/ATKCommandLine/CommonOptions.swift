import ATKCore
import ATKRecords
import ArgumentParser

/// atk's version, printed by every tool's `--version`.
public let atkVersion = "0.1.0"

/// The flags every filter shares, in one place so their help text and meaning never drift.
public struct CommonOptions: ParsableArguments {
  @Flag(name: [.customShort("0"), .long], help: "Read NUL-separated paths from standard input (for find -print0).")
  public var null = false

  @Option(name: .shortAndLong, help: "Records worked on at once; outputs keep the input order (default: see the manual page)")
  public var jobs: Int?

  @Flag(help: "Write each record as soon as it is ready.")
  public var unbuffered = false

  @Flag(name: .shortAndLong, help: "Hide warnings (errors are always shown).")
  public var quiet = false

  @Flag(name: .shortAndLong, help: "Show notes about each file.")
  public var verbose = false

  @Flag(help: "Also take files and folders whose names start with '.' from folders.")
  public var hidden = false

  @Flag(help: "Also walk atk's output folders (atk-out, and folders holding .atk-output).")
  public var includeOutputs = false

  @Option(help: ArgumentHelp("Longest input line accepted, in bytes.", valueName: "bytes"))
  public var maxRecordBytes = 1 << 20

  public init() {}

  public func validate() throws {
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    if maxRecordBytes < 64 { throw ValidationError("--max-record-bytes must be at least 64") }
  }

  /// Driver options for `tool` reading `inputs` (command-line paths, in their raw bytes).
  public func driverOptions(tool: String, inputs: [String], defaultJobs: Int = 1) -> DriverOptions {
    var options = DriverOptions(tool: tool)
    options.arguments = RawArguments.paths(for: inputs)
    options.nulSeparated = null
    options.jobs = jobs ?? defaultJobs
    options.unbuffered = unbuffered
    options.quiet = quiet
    options.verbose = verbose
    options.includeHidden = hidden
    options.includeOutputs = includeOutputs
    options.maxRecordBytes = maxRecordBytes
    return options
  }
}

/// Runs a filter and exits with its status.
public func exitAfter(_ status: ExitStatus) throws -> Never {
  throw ExitCode(status.rawValue)
}
