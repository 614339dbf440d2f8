import ATKAudio
import ATKEncoding
import ATKKit
import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// atk-convert's work: write each input in another format below an output folder.
///
/// Each output mirrors the input's `relpath` below `Options.outputDirectory`, with the
/// format's extension. An input that already is what was asked for (same format, encoding,
/// rate and channels, and no different lossy setting) is copied byte for byte instead of being
/// re-encoded; its record says `"reencoded": false`. Integer PCM and FLAC go to WAV and FLAC
/// through integers (`sf_readf_int`), so lossless conversions are bit-exact. Output names are
/// claimed through `OutputPaths`: two inputs of one run that map to the same output are caught
/// in input order (the later one fails with `output_collision`), and sources, read-only files
/// and links are never written through.
public struct ConvertStage: Stage {
  public static let step = "convert"

  /// What to write.
  public struct Options: Sendable {
    /// The output format.
    public var format: AudioFormat
    /// The folder outputs go below (`-o`).
    public var outputDirectory = RawPath("atk-out")
    /// kbit/s: CBR for mp3, target rate for opus.
    public var bitrate: Int?
    /// VBR quality: mp3 0 (best) to 9, ogg 0 to 10 (best).
    public var quality: Double?
    /// flac compression level 0 to 8 (5 when nil).
    public var compression: Int?
    /// Output sample rate; nil keeps the input's.
    public var sampleRate: Int?
    /// Output channels (1 or 2); nil keeps the input's.
    public var channels: Int?
    /// Output sample encoding for wav and flac; nil keeps the input's integer depth.
    public var sampleEncoding: EncoderSettings.SampleEncoding?
    /// Re-encode even an input that already matches.
    public var force = false
    /// Replace files at output names that the user may not write (`--overwrite`).
    public var overwrite = false
    /// Write what decodes of an input that decodes to fewer frames than it declares (and say
    /// so), instead of failing it as `truncated`.
    public var allowTruncated = false
    /// `fsync(2)` each output before renaming it into place.
    public var sync = false

    /// Options writing `format` with every other setting at its default.
    public init(format: AudioFormat) { self.format = format }

    /// What is wrong with this combination of settings, for a usage error; nil when it is fine.
    public var problem: String? {
      let name = format.rawValue
      if let bitrate {
        switch format {
        case .mp3 where !(8...320).contains(bitrate): return "--bitrate for mp3 is 8 to 320 kbit/s"
        case .opus where !(6...256).contains(bitrate):
          return "--bitrate for opus is 6 to 256 kbit/s"
        case .mp3, .opus: break
        default: return "--bitrate applies to mp3 and opus, not \(name)"
        }
      }
      if let quality {
        switch format {
        case .mp3 where !(0...9).contains(quality): return "--quality for mp3 is 0 (best) to 9"
        case .ogg where !(0...10).contains(quality): return "--quality for ogg is 0 to 10 (best)"
        case .mp3, .ogg: break
        default: return "--quality applies to mp3 and ogg, not \(name)"
        }
      }
      if format == .mp3 && bitrate != nil && quality != nil {
        return "--bitrate (CBR) and --quality (VBR) exclude each other"
      }
      if let compression {
        guard format == .flac else { return "--compression applies to flac, not \(name)" }
        if !(0...8).contains(compression) { return "--compression is 0 to 8" }
      }
      if let sampleEncoding {
        guard format.isLossless else { return "--bits applies to wav and flac, not \(name)" }
        if format == .flac && (sampleEncoding == .float || sampleEncoding == .pcm32) {
          return "flac holds 16 or 24 bits, not \(sampleEncoding.rawValue)"
        }
      }
      if let sampleRate, !(1000...768_000).contains(sampleRate) {
        return "--sample-rate is 1000 to 768000 Hz"
      }
      if let channels, channels != 1 && channels != 2 { return "--channels is 1 or 2" }
      return nil
    }
  }

  /// The sample rates libsndfile's Opus writer takes.
  public static let opusSampleRates = [8000, 12000, 16000, 24000, 48000]

  /// Frames per block read, converted and written.
  static let blockFrames = 8192

  public let options: Options
  private let paths: OutputPaths
  private let marker = OutputMarker()

  /// A stage writing outputs as `options` says.
  public init(options: Options) {
    self.options = options
    self.paths = OutputPaths(root: options.outputDirectory, overwrite: options.overwrite)
  }

  public var outputPaths: OutputPaths? { paths }

  public func process(_ record: Record, context: StageContext, emit: (Record) -> Void)
    throws(CancellationError)
  {
    guard let path = record.path else {
      emit(failed(record, .badRecord, "record has no 'path'"))
      return
    }
    let target: (relpath: RawPath, path: RawPath)
    do { target = try outputLocation(for: record, path: path) } catch {
      emit(failed(record, error))
      return
    }
    var output = record
    do {
      let result = try convert(path, to: target, context: context)
      marker.place(in: options.outputDirectory, diagnostics: context.diagnostics)
      output.path = target.path
      output[Record.Key.source] = path.json
      output.relpath = target.relpath
      result.facts.apply(to: &output)
      output[Record.Key.tags] =
        result.tags.isEmpty ? nil : .object(result.tags.mapValues { .string($0) })
      output[Record.Key.reencoded] = .bool(result.reencoded)
      output[Record.Key.declaredFrames] = result.declaredFrames.map { .int($0) }
      if result.reencoded {
        output[Record.Key.encoderDelay] = result.encoderDelay.map { .int(Int64($0)) }
        output[Record.Key.encoderPadding] = result.encoderPadding.map { .int(Int64($0)) }
      }
      emit(succeeded(output))
    } catch {
      try emitFailure(error, of: record, emit)
    }
  }

  /// The output's relpath and path for an input.
  ///
  /// - Throws: `OutputError.badRelpath` when its relpath climbs out with `..` or names no file.
  func outputLocation(for record: Record, path: RawPath) throws(OutputError)
    -> (relpath: RawPath, path: RawPath)
  {
    let clean = try OutputPaths.relativePath(of: record, path: path)
    let outRelpath = clean.replacingExtension(with: options.format.fileExtension)
    return (outRelpath, options.outputDirectory.appending(outRelpath))
  }

  // MARK: - Converting one file

  /// Why one input failed, or that a stop was asked for.
  typealias Failure = StageFailure

  /// What one conversion produced.
  struct Result {
    var facts: AudioFacts
    var tags: [String: String]
    var reencoded: Bool
    var encoderDelay: Int?
    var encoderPadding: Int?
    /// The frames the input declares, when fewer were decoded (`allowTruncated`).
    var declaredFrames: Int64?
  }

  /// The source's facts that decide what the output will be.
  struct Source {
    var container: String
    var encoding: String
    var sampleRate: Int
    var channels: Int
    /// Integer bits per sample for PCM, FLAC and ALAC; nil for float and lossy encodings.
    var bits: Int?
  }

  private func convert(
    _ path: RawPath, to target: (relpath: RawPath, path: RawPath), context: StageContext
  ) throws(Failure) -> Result {
    let finalPath = target.path
    let input: AudioInput
    do {
      input = try AudioInput.open(path)
      // Decoders skip damaged Ogg pages without an error: look at the pages first.
      try input.file.checkOggPages()
    } catch {
      throw Failure(error)
    }
    let file = input.file
    do {
      try paths.claim(target.relpath, files: [target.relpath], input: path, context: context)
    } catch {
      throw Failure(error)
    }
    let source = Source(
      container: input.container,
      encoding: AudioFormat.encodingName(file.format), sampleRate: file.sampleRate,
      channels: file.channels, bits: AudioFormat.integerBits(file.format))
    let settings = plan(for: source, tags: file.tags, path: path, context: context)
    let heldTags = options.format.tagsHeld(of: file.tags)
    let declared = input.frames
    if !options.force && matches(source, settings, path: path) {
      // A byte copy passes on whatever the file holds, so it must decode whole first.
      let frames = try framesOfWholeInput(input)
      if let declared, frames < declared, options.allowTruncated {
        // Re-encode what decodes instead: `input.reader()` below reads it from the start.
      } else {
        if let declared, frames < declared { throw Self.truncated(frames, of: declared) }
        let facts = try copy(file, from: path, to: finalPath, frames: frames, context: context)
        context.diagnostics.note(
          "copied as it is: already \(options.format.rawValue) at \(source.sampleRate) Hz, "
            + "\(source.channels) ch", line: context.line, path: path)
        return Result(facts: facts, tags: file.tags, reencoded: false)
      }
    }
    let reader: SoundFile
    do { reader = try input.reader() } catch { throw Failure(error) }
    let output: OutputFile
    do { output = try OutputFile(finalPath: finalPath, sync: options.sync) } catch {
      throw Failure(error)
    }
    var openSink: (any AudioSink)?
    do throws(Failure) {
      let sink: any AudioSink
      do { sink = try AudioSinks.open(settings, into: output) } catch { throw Failure(error) }
      openSink = sink
      let framesRead = try encode(reader, source: source, into: sink, settings: settings, context)
      var shortOf: Int64?
      if let declared, framesRead < declared {
        guard options.allowTruncated else { throw Self.truncated(framesRead, of: declared) }
        context.diagnostics.warning(
          "truncated: decoded \(framesRead) of \(declared) declared frames; wrote those "
            + "(--allow-truncated)", line: context.line, path: path)
        shortOf = declared
      }
      let facts: AudioFacts
      do { facts = try sink.finish() } catch { throw Failure(error) }
      do { try output.commit() } catch { throw Failure(error) }
      let mp3 = sink as? Mp3Sink
      return Result(
        facts: facts, tags: heldTags, reencoded: true, encoderDelay: mp3?.encoderDelay,
        encoderPadding: mp3?.encoderPadding, declaredFrames: shortOf)
    } catch {
      // Close libsndfile's handle (which may still write a header) before the descriptor goes.
      if openSink != nil { openSink = nil }
      output.abandon()
      throw error
    }
  }

  /// The failure of an input that decoded to `frames` of the `declared`.
  static func truncated(_ frames: Int64, of declared: Int64) -> Failure {
    .failed(
      code: .truncated,
      message: "truncated: \(frames) of \(declared) declared frames could be decoded")
  }

  /// The encoder settings for a source: the asked-for values, else the source's own.
  func plan(for source: Source, tags: [String: String], path: RawPath, context: StageContext)
    -> EncoderSettings
  {
    let format = options.format
    var rate = options.sampleRate ?? source.sampleRate
    var channels = options.channels ?? source.channels
    if format == .opus && !Self.opusSampleRates.contains(rate) {
      context.diagnostics.note(
        "opus holds 8, 12, 16, 24 or 48 kHz; resampling \(rate) Hz to 48000 Hz", line: context.line,
        path: path)
      rate = 48000
    }
    if format == .mp3 && !Mp3Sink.sampleRates.contains(rate) {
      let nearest = Mp3Sink.sampleRates.min(by: { abs($0 - rate) < abs($1 - rate) })!
      context.diagnostics.note(
        "mp3 cannot hold \(rate) Hz; resampling to \(nearest) Hz", line: context.line, path: path)
      rate = nearest
    }
    if format == .mp3 && channels > 2 {
      context.diagnostics.note(
        "mp3 holds at most 2 channels; mixing \(channels) down to 2", line: context.line,
        path: path)
      channels = 2
    }
    var encoding: EncoderSettings.SampleEncoding?
    if format.isLossless {
      encoding = options.sampleEncoding ?? Self.defaultEncoding(for: format, bits: source.bits)
    }
    return EncoderSettings(
      format: format, sampleRate: rate, channels: channels, sampleEncoding: encoding,
      bitrate: options.bitrate, quality: options.quality,
      compression: format == .flac ? options.compression ?? 5 : nil, tags: tags)
  }

  /// The encoding that keeps a source's integer depth: 8 → 16, 20 → 24, 32 → 24 in FLAC;
  /// float and lossy sources → 16.
  static func defaultEncoding(for format: AudioFormat, bits: Int?) -> EncoderSettings.SampleEncoding
  {
    switch bits {
    case .some(let b) where b > 24: format == .flac ? .pcm24 : .pcm32
    case .some(let b) where b > 16: .pcm24
    default: .pcm16
    }
  }

  /// Whether a source already is what `settings` asks for, so it can be copied as it is.
  func matches(_ source: Source, _ settings: EncoderSettings, path: RawPath) -> Bool {
    let format = options.format
    guard source.container == format.rawValue, source.sampleRate == settings.sampleRate,
      source.channels == settings.channels
    else { return false }
    switch format {
    case .wav, .flac:
      guard let encoding = settings.sampleEncoding else { return false }
      let wanted: String =
        switch encoding {
        case .pcm16: "pcm_16"
        case .pcm24: "pcm_24"
        case .pcm32: "pcm_32"
        case .float: "float"
        }
      return source.encoding == wanted
    case .ogg:
      return source.encoding == "vorbis" && options.quality == nil
    case .opus:
      return options.bitrate == nil
    case .mp3:
      guard options.quality == nil else { return false }
      guard let bitrate = options.bitrate else { return true }
      return MP3Header.inspect(path)?.constantBitrate == bitrate
    }
  }
}
