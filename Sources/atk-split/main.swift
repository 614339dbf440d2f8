import ATKCommandLine
import ATKCore
import ArgumentParser

struct ATKSplit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "atk-split",
    abstract: "Cut each input file into segments of a fixed length, one record per segment.",
    discussion: "With no PATH, reads records or paths from standard input. See atk-split(1).",
    version: atkVersion)

  @Argument(help: "Segment length in seconds (fractions allowed).")
  var seconds: Double

  @Argument(help: "Files and folders to split (folders recursively, in sorted order).")
  var paths: [String] = []

  @Option(name: .shortAndLong, help: ArgumentHelp("Folder for the segments.", valueName: "dir"))
  var output = "atk-out"

  @Option(
    help: ArgumentHelp(
      "Merge a final piece shorter than this into the one before it.", valueName: "seconds"))
  var minLast: Double = 0

  @Option(
    help: ArgumentHelp(
      "Output format: wav, flac, mp3, ogg or opus (default: the input's).", valueName: "format"))
  var format: String?

  @Flag(help: "Replace files at output names that are read-only or belong to another user.")
  var overwrite = false

  @OptionGroup var common: CommonOptions

  func validate() throws {
    guard seconds.isFinite, seconds > 0 else {
      throw ValidationError("SECONDS must be a number greater than 0")
    }
    guard minLast.isFinite, minLast >= 0 else {
      throw ValidationError("--min-last must be 0 or more seconds")
    }
    if let format, AudioFormat(name: format) == nil {
      throw ValidationError("unknown format '\(format)' (wav, flac, mp3, ogg or opus)")
    }
    if output.isEmpty { throw ValidationError("-o needs a folder") }
  }

  func run() throws {
    let options = common.driverOptions(tool: "atk-split", inputs: paths, defaultJobs: coreCount)
    var stage = SplitStage.Options(seconds: seconds)
    stage.outputDirectory = RawArguments.paths(for: [output])[0]
    stage.minLastSeconds = minLast
    stage.format = format.flatMap { AudioFormat(name: $0) }
    stage.overwrite = overwrite
    try exitAfter(FilterDriver(options: options).run(SplitStage(options: stage)))
  }
}

ATKSplit.main()
