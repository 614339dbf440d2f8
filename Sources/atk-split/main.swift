import ATKAudio
import ATKAudioCommandLine
import ATKCommandLine
import ATKSplitting
import ArgumentParser

struct ATKSplit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "atk-split",
    abstract: "Cut each input file into segments of a fixed length, one record per segment.",
    discussion: "With no PATH, reads records or paths from standard input. See atk-split(1).",
    version: atkVersion)

  @Argument(
    help: ArgumentHelp(
      "Segment length: seconds (90, 1.5, 30s), MM:SS or HH:MM:SS.", valueName: "seconds"))
  var seconds: String

  @Argument(help: "Files and folders to split (folders recursively, in sorted order).")
  var paths: [String] = []

  @Option(
    name: .shortAndLong,
    help: ArgumentHelp("Folder for the segments (default: ./atk-out).", valueName: "dir"))
  var output: String?

  @Option(
    help: ArgumentHelp(
      "Merge a final piece shorter than this into the one before it.", valueName: "seconds"))
  var minLast = "0"

  @Option(help: ArgumentHelp("Output format (default: the input's).", valueName: "format"))
  var format: FormatArgument?

  @Flag(help: "Replace files at output names that are read-only or belong to another user.")
  var overwrite = false

  @OptionGroup var common: CommonOptions

  func validate() throws {
    _ = try OptionValue.seconds(seconds, of: "SECONDS")
    _ = try OptionValue.seconds(minLast, of: "--min-last", allowingZero: true)
    if output == "" { throw ValidationError("-o needs a folder") }
  }

  func run() throws {
    var options = common.driverOptions(tool: "atk-split", inputs: paths)
    options.extensions = AudioFormat.walkExtensions
    var stage = SplitStage.Options(seconds: try OptionValue.seconds(seconds, of: "SECONDS"))
    if let output { stage.outputDirectory = RawArguments.paths(for: [output])[0] }
    stage.minLastSeconds = try OptionValue.seconds(minLast, of: "--min-last", allowingZero: true)
    stage.format = format?.format
    stage.overwrite = overwrite
    try common.run(
      SplitStage(options: stage), options: options,
      defaultOutput: output == nil ? stage.outputDirectory : nil)
  }
}

ATKSplit.toolMain(defaultJobs: .cores)
