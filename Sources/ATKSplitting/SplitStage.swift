import ATKAudio
import ATKKit
import ATKRecords
import CSndFile

#if canImport(Glibc)
  import Glibc
#endif

/// atk-split's work: cut each file into fixed-length segments, one output record each.
///
/// Segment `k` holds frames `[k·N, min((k+1)·N, total))` with `N = round(seconds × rate)`;
/// PCM and FLAC outputs hold exactly the source's samples, so the segments laid end to end
/// are the source. Outputs are named `{stem}_segment_{NNN}.{ext}` below the output folder,
/// mirroring the record's `relpath`. The format follows the input (formats atk does not write
/// become WAV) unless `Options.format` says otherwise.
///
/// Three ways of copying, fastest first: WAV to WAV in the same encoding copies the sample
/// bytes (`pread`/`write`) under a header written here; lossless outputs go through 32-bit
/// integers (`sf_readf_int`), which is exact; lossy outputs through floats.
///
/// A failed or interrupted input leaves no segment behind: the segments of that input already
/// renamed into place are removed again, so the output folder never holds a partial set that
/// looks whole. (A re-run writes the same names.) The series of names is claimed through
/// `OutputPaths` before the first segment is written, so two inputs of one run that map to the
/// same names are caught in input order, and no segment replaces a source, a read-only file or
/// writes through a link.
public struct SplitStage: Stage {
  public static let step = "split"

  /// What to cut and where to put it.
  public struct Options: Sendable {
    /// Segment length in seconds (> 0; fractions allowed).
    public var seconds: Double
    /// The folder outputs go below, mirroring each record's `relpath`.
    public var outputDirectory = RawPath("atk-out")
    /// A final piece shorter than this many seconds is merged into the one before it.
    public var minLastSeconds: Double = 0
    /// The output format; nil follows the input.
    public var format: AudioFormat?
    /// Replace files at output names that the user may not write (`--overwrite`).
    public var overwrite = false

    /// Options cutting every `seconds` seconds.
    public init(seconds: Double) { self.seconds = seconds }
  }

  public let options: Options
  private let paths: OutputPaths
  private let marker = OutputMarker()

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
    do {
      for output in try split(record, path: path, context: context) { emit(output) }
      marker.place(in: options.outputDirectory, diagnostics: context.diagnostics)
    } catch {
      try emitFailure(error, of: record, emit)
    }
  }

  /// Writes every segment of `path` and returns their records; on any error, removes them.
  private func split(_ record: Record, path: RawPath, context: StageContext)
    throws(StageFailure) -> [Record]
  {
    let input: AudioInput
    do {
      input = try AudioInput.open(path)
      // Decoders skip damaged Ogg pages without an error: look at the pages first.
      try input.file.checkOggPages()
    } catch {
      throw StageFailure(error)
    }
    let probe = input.file
    var file: SoundFile
    do { file = try input.reader() } catch { throw StageFailure(error) }
    let rate = probe.sampleRate
    guard let length = FrameCount.frames(seconds: options.seconds, sampleRate: rate) else {
      throw StageFailure(
        SplitError.lengthOutOfRange("a segment length", options.seconds, sampleRate: rate))
    }
    guard length >= 1 else {
      throw StageFailure(SplitError.segmentTooShort(options.seconds, sampleRate: rate))
    }
    guard let minLast = FrameCount.frames(seconds: options.minLastSeconds, sampleRate: rate) else {
      throw StageFailure(
        SplitError.lengthOutOfRange("--min-last", options.minLastSeconds, sampleRate: rate))
    }
    // A length the header does not state (a FLAC written to a pipe), or one more than the
    // file's bytes can hold (an Ogg page claiming 2⁴⁰ frames, which would plan millions of
    // segments): count the frames by decoding, then read the file again from the start.
    let stated = input.frames
    var believable = stated != nil
    if let stated, case .success(let status) = FileSystem.status(path) {
      believable = FrameCount.isPlausible(stated, bytes: Int64(status.st_size))
    }
    var total: Int64
    if let stated, believable {
      total = stated
    } else {
      total = file.decodeToEnd(shouldStop: { Cancellation.isRequested }).frames
      do { try context.checkCancellation() } catch { throw StageFailure(error) }
      if let stated {
        guard total >= stated else {
          throw StageFailure(SplitError.truncated(decoded: total, declared: stated, reason: ""))
        }
        total = stated
      }
      do { file = try input.reader() } catch { throw StageFailure(error) }
    }
    // An untagged MP3 decodes to the encoder's delay and padding on top of its audio (LAME: at
    // most 2,016 frames): a last piece no longer than that is not a segment of its own.
    guard
      let plan = SegmentPlan(
        total: total, length: length,
        minLast: input.length == .counted ? max(minLast, Self.mp3Slack + 1) : minLast)
    else {
      throw StageFailure(
        SplitError.lengthOutOfRange("a segment length", options.seconds, sampleRate: rate))
    }
    if total < length {
      let duration = AudioFacts(
        format: "", encoding: "", sampleRate: rate, channels: 1, frames: total, bytes: 0
      ).duration
      context.diagnostics.warning(
        "shorter than \(Self.text(options.seconds)) s (\(Self.text(duration)) s): one segment",
        line: context.line, path: path)
    }

    let settings = encoderSettings(for: probe, record: record, path: path)
    let relpath: RawPath
    do { relpath = try OutputPaths.relativePath(of: record, path: path) } catch {
      throw StageFailure(error)
    }
    let relativeFolder = OutputPaths.folder(of: relpath)
    let folder = options.outputDirectory.appending(relativeFolder)
    let prefix = relpath.stem.bytes + Array("_segment_".utf8)
    let suffix = Array(".\(settings.format.fileExtension)".utf8)
    let names = (0..<plan.count).map {
      relativeFolder.appending(RawPath(bytes: prefix + Array(plan.number(of: $0).utf8) + suffix))
    }
    do {
      try paths.claim(
        relativeFolder.appending(RawPath(bytes: prefix + Array("NNN".utf8) + suffix)),
        files: names, input: path, context: context)
    } catch {
      throw StageFailure(error)
    }

    let writer: any PieceWriter = SegmentCopier(
      file: file, declaredFrames: total, path: path, settings: settings, context: context)
    // Records state what the segments hold, whatever the input record said.
    let tags = settings.format.tagsHeld(of: settings.tags)
    var committed: [RawPath] = []
    var outputs: [Record] = []
    do throws(StageFailure) {
      for index in 0..<plan.count {
        let name = RawPath(bytes: prefix + Array(plan.number(of: index).utf8) + suffix)
        let frames = plan.frames(of: index)
        let output: OutputFile
        do { output = try OutputFile(finalPath: folder.appending(name)) } catch {
          throw StageFailure(error)
        }
        let facts: AudioFacts
        do throws(StageFailure) {
          facts = try writer.write(frames, into: output)
          do { try output.commit() } catch { throw StageFailure(error) }
        } catch {
          output.abandon()
          throw error
        }
        committed.append(output.finalPath)
        var out = record
        out.path = output.finalPath
        out[Record.Key.source] = path.json
        out.relpath = relativeFolder.appending(name)
        // These describe how the input file was made, not the segment.
        out[Record.Key.encoderDelay] = nil
        out[Record.Key.encoderPadding] = nil
        out[Record.Key.reencoded] = nil
        facts.apply(to: &out)
        out[Record.Key.tags] = tags.isEmpty ? nil : .object(tags.mapValues { .string($0) })
        out[Record.Key.segment] = .object([
          "index": .int(Int64(index + 1)), "count": .int(Int64(plan.count)),
          "start_frame": .int(frames.lowerBound),
          "end_frame": .int(frames.lowerBound + facts.frames),
        ])
        out.part = record.part + [Record.Part(index: Int64(index + 1), count: Int64(plan.count))]
        outputs.append(succeeded(out))
      }
    } catch {
      for finished in committed { FileSystem.remove(finished) }
      throw error
    }
    context.diagnostics.note(
      "\(plan.count) segment(s) of \(plan.length) frames, \(settings.format.rawValue)"
        + (writer.method.isEmpty ? "" : " (\(writer.method))"),
      line: context.line, path: path)
    return outputs
  }

  /// The encoder settings for segments of `file`: its own format (or `Options.format`), rate,
  /// channels, sample encoding and tags; MP3 and Opus keep their own bit rate.
  private func encoderSettings(for file: SoundFile, record: Record, path: RawPath)
    -> EncoderSettings
  {
    let source = AudioFormat(name: AudioFormat.containerName(file.format))
    let format = options.format ?? source ?? .wav
    var settings = EncoderSettings(
      format: format, sampleRate: file.sampleRate, channels: file.channels, tags: file.tags)
    let subtype = Int(file.format) & SF_FORMAT_SUBMASK
    switch format {
    case .wav, .flac:
      if subtype == SF_FORMAT_FLOAT || subtype == SF_FORMAT_DOUBLE {
        settings.sampleEncoding = format == .wav ? .float : .pcm24
      } else {
        switch AudioFormat.integerBits(file.format) ?? 16 {
        case ...16: settings.sampleEncoding = .pcm16
        case 17...24: settings.sampleEncoding = .pcm24
        default: settings.sampleEncoding = format == .wav ? .pcm32 : .pcm24
        }
      }
    case .mp3 where source == .mp3:
      settings.bitrate = sourceBitrate(file, record: record, path: path).map {
        Self.standardMp3Bitrate($0, sampleRate: file.sampleRate)
      }
    case .opus where source == .opus:
      settings.bitrate = sourceBitrate(file, record: record, path: path).map {
        max(6, min(256, $0))
      }
    default: break
    }
    return settings
  }

  /// The most frames an MP3 without a LAME tag decodes to beyond its audio: two MPEG-1 frames,
  /// more than LAME's delay (576) and padding (at most 1,440) together.
  static let mp3Slack: Int64 = 2304

  /// The input's bit rate in kbit/s: the record's `bitrate`, or bytes over duration.
  private func sourceBitrate(_ file: SoundFile, record: Record, path: RawPath) -> Int? {
    if let bitrate = record[Record.Key.bitrate]?.intValue, bitrate > 0 { return Int(bitrate) }
    guard case .success(let status) = FileSystem.status(path) else { return nil }
    return AudioFacts.averageBitrate(
      bytes: Int64(status.st_size), frames: file.frames, sampleRate: file.sampleRate)
  }

  /// The MP3 bit rate nearest `kbps` that the sample rate's MPEG version allows.
  static func standardMp3Bitrate(_ kbps: Int, sampleRate: Int) -> Int {
    let rates: [Int] =
      sampleRate >= 32000
      ? [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
      : sampleRate >= 16000
        ? [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
        : [8, 16, 24, 32, 40, 48, 56, 64]
    return rates.min { a, b in
      let da = abs(a - kbps)
      let db = abs(b - kbps)
      return da != db ? da < db : a > b
    }!
  }

  /// A number of seconds without trailing zeros: `30`, `0.5`, `1.234567`.
  private static func text(_ seconds: Double) -> String {
    seconds == seconds.rounded() && abs(seconds) < 1e15
      ? String(Int64(seconds)) : String(seconds)
  }
}

/// Why atk-split failed an input, beyond opening and writing files.
enum SplitError: RecordError {
  /// Decoding ended before the frames the header declares.
  case truncated(decoded: Int64, declared: Int64, reason: String)
  /// The segment length rounds to no frames at this sample rate.
  case segmentTooShort(Double, sampleRate: Int)
  /// A length in seconds (named) is not finite, negative, or more frames than atk counts.
  case lengthOutOfRange(String, Double, sampleRate: Int)
  /// The sample data could not be read (byte-copy path).
  case cannotRead(reason: String)
  /// An output could not be written (byte-copy path).
  case cannotWrite(path: RawPath, reason: String)

  var description: String {
    switch self {
    case .truncated(let decoded, let declared, let reason):
      "truncated: decoded \(decoded) of \(declared) declared frames"
        + (reason.isEmpty ? "" : " (\(reason))")
    case .segmentTooShort(let seconds, let rate):
      "a segment of \(seconds) s is shorter than one frame at \(rate) Hz"
    case .lengthOutOfRange(let what, let seconds, let rate):
      "\(what) of \(seconds) s is out of range at \(rate) Hz"
    case .cannotRead(let reason): "cannot read: \(reason)"
    case .cannotWrite(let path, let reason): "cannot write '\(path.display)': \(reason)"
    }
  }

  /// The `error.code` of a record that failed this way.
  var code: ErrorCode {
    switch self {
    case .truncated: .truncated
    case .segmentTooShort, .lengthOutOfRange: .badOption
    case .cannotRead: .readError
    case .cannotWrite: .cannotWrite
    }
  }
}
