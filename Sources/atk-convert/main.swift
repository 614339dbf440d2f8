import ATKAudio
import ATKAudioCommandLine
import ATKCommandLine
import ATKConversion
import ArgumentParser

struct ATKConvert: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "atk-convert",
    abstract: "Convert each input file to FORMAT below an output folder, one record per output.",
    discussion: """
      FORMAT is wav, flac, mp3, ogg (Vorbis) or opus. With no PATH, reads records or paths from \
      standard input. Inputs already in the asked-for form are copied, not re-encoded. \
      See atk-convert(1).
      """,
    version: atkVersion)

  @Argument(help: "Output format.") var format: FormatArgument
  @Argument(help: "Files and folders to convert (folders recursively).") var paths: [String] = []

  @Option(
    name: .shortAndLong,
    help: ArgumentHelp("Folder the outputs go below (default: ./atk-out).", valueName: "dir"))
  var output: String?
  @Option(
    help: ArgumentHelp(
      "mp3 constant bit rate (8-320) or opus bit rate (6-256), as 192 or 192k.",
      valueName: "kbps"))
  var bitrate: String?
  @Option(
    help: ArgumentHelp(
      "mp3 VBR quality 0 (best) to 9, default 2; ogg 0 to 10 (best).", valueName: "n"))
  var quality: Double?
  @Option(help: ArgumentHelp("flac compression level 0 to 8 (default 5).", valueName: "n"))
  var compression: Int?
  @Option(help: ArgumentHelp("Output sample rate (libsoxr, high quality).", valueName: "hz"))
  var sampleRate: Int?
  @Option(help: ArgumentHelp("Mix to 1 or 2 channels.", valueName: "n")) var channels: Int?
  @Option(help: ArgumentHelp("wav: 16, 24, 32 or 32f (float); flac: 16 or 24.", valueName: "bits"))
  var bits: String?
  @Flag(help: "Re-encode even inputs that already match.") var force = false
  @Flag(help: "Replace files at output names that are read-only or belong to another user.")
  var overwrite = false
  @Flag(help: "Write what decodes of an input cut short, instead of failing it as truncated.")
  var allowTruncated = false
  @Flag(help: "Flush each output to disk (fsync) before renaming it into place.") var sync = false
  @OptionGroup var common: CommonOptions

  func validate() throws {
    if let bits, EncoderSettings.SampleEncoding(rawValue: bits) == nil {
      throw ValidationError("--bits is 16, 24, 32 or 32f, not '\(bits)'")
    }
    if let problem = try stageOptions(format.format).problem { throw ValidationError(problem) }
  }

  func stageOptions(_ format: AudioFormat) throws -> ConvertStage.Options {
    var options = ConvertStage.Options(format: format)
    if let output { options.outputDirectory = RawArguments.paths(for: [output])[0] }
    options.bitrate = try bitrate.map { text throws(ValidationError) in
      try OptionValue.kilobits(text, of: "--bitrate")
    }
    options.quality = quality
    options.compression = compression
    options.sampleRate = sampleRate
    options.channels = channels
    options.sampleEncoding = bits.flatMap { EncoderSettings.SampleEncoding(rawValue: $0) }
    options.force = force
    options.overwrite = overwrite
    options.allowTruncated = allowTruncated
    options.sync = sync
    return options
  }

  func run() throws {
    var driver = common.driverOptions(tool: "atk-convert", inputs: paths)
    driver.extensions = AudioFormat.walkExtensions
    let options = try stageOptions(format.format)
    try common.run(
      ConvertStage(options: options), options: driver,
      defaultOutput: output == nil ? options.outputDirectory : nil)
  }
}

ATKConvert.toolMain(defaultJobs: .cores)
