import ATKKit
import ArgumentParser

extension ParsableCommand {
  /// Runs this command as an atk tool, then exits: the `main` of every executable.
  ///
  /// The arguments go through `ArgumentNormaliser` first, so `-j1`, `-qj1` and `-oDIR` work as
  /// with getopt. A bad command line is reported like any other atk error, as
  /// `atk-TOOL: error: <what is wrong>` with the usage after it, and exits 64; `--help` and
  /// `--version` print as swift-argument-parser prints them.
  ///
  /// - Parameter defaultJobs: the `--jobs` default the tool states in its help and uses.
  public static func toolMain(defaultJobs: CommonOptions.JobsDefault = .one) -> Never {
    CommonOptions.defaultJobs = defaultJobs
    let tool = _commandName
    let arguments: [[UInt8]]
    do {
      arguments = try ArgumentNormaliser(self).normalise(RawArguments.commandLine)
    } catch {
      StandardStreams.writeError(
        "\(tool): error: \(error.message)\nUsage: \(usageString())\n"
          + "  See '\(tool) --help' for more information.\n")
      exit(withError: ExitCode.validationFailure)
    }
    RawArguments.use(arguments)
    do {
      var command = try parseAsRoot(arguments.map { String(decoding: $0, as: UTF8.self) })
      try command.run()
    } catch {
      let code = exitCode(for: error)
      if code == .success || error is ExitCode { exit(withError: error) }
      var text = fullMessage(for: error)
      if text.hasPrefix("Error: ") { text = "\(tool): error: " + text.dropFirst(7) }
      StandardStreams.writeError(text.hasSuffix("\n") ? text : text + "\n")
      exit(withError: code)
    }
    exit(withError: nil)
  }
}
