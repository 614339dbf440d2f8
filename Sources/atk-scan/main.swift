import ATKAudio
import ATKCommandLine
import ATKScanning
import ArgumentParser

struct ATKScan: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "atk-scan",
    abstract: "Find audio files and state their facts, one record per file.",
    discussion: "With no PATH, reads records or paths from standard input. See atk-scan(1).",
    version: atkVersion)

  @Argument(help: "Files and folders to scan (folders recursively, in sorted order).")
  var paths: [String] = []

  @Option(
    help: ArgumentHelp(
      "Extensions taken from folders, comma-separated, or 'all'.", valueName: "list"))
  var formats: String?

  @Flag(help: "Decode every file to the end to catch damage past the header (slower).")
  var verify = false

  @OptionGroup var common: CommonOptions

  func run() throws {
    var options = common.driverOptions(tool: "atk-scan", inputs: paths)
    options.extensions = AudioFormat.walkExtensions
    if let formats {
      options.extensions =
        formats == "all"
        ? nil
        : Set(
          formats.split(separator: ",").map {
            $0.trimmingPrefix(".").lowercased()
          })
    }
    var stage = ScanStage.Options()
    stage.verify = verify
    try common.run(
      ScanStage(options: stage), options: options,
      hint: "reading paths from the terminal; give paths or pipe them in; Ctrl-D to end")
  }
}

ATKScan.toolMain()
