import ATKRecords
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// atk-convert's work: write each input in another format below an output folder.
///
/// Each output mirrors the input's `relpath` below `Options.outputDirectory`, with the
/// format's extension. An input that already is what was asked for (same format, encoding,
/// rate and channels, and no different lossy setting) is copied byte for byte instead of being
/// re-encoded; its record says `"reencoded": false`. Integer PCM and FLAC go to WAV and FLAC
/// through integers (`sf_readf_int`), so lossless conversions are bit-exact. Two inputs of one
/// run that map to the same output are caught in input order by `admit`: the later one fails
/// with `output_collision`.
public struct ConvertStage: Stage {
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
  private let claims = Claims()

  /// A stage writing outputs as `options` says.
  public init(options: Options) { self.options = options }

  /// Claims the input's output path, in input order; a path already claimed by an earlier
  /// input of this run makes this one fail with `output_collision`.
  public func admit(_ record: Record) -> Record? {
    guard let path = record.path, let target = outputLocation(for: record, path: path) else {
      return nil
    }
    guard let earlier = claims.claim(target.path, for: path) else { return nil }
    return record.failed(
      code: "output_collision",
      message: "output '\(target.path.display)' is already written from '\(earlier.display)' "
        + "earlier in this run", step: "convert")
  }

  public func process(_ record: Record, context: StageContext, emit: (Record) -> Void)
    throws(CancellationError)
  {
    guard let path = record.path else {
      emit(record.failed(code: "bad_record", message: "record has no 'path'", step: "convert"))
      return
    }
    guard let target = outputLocation(for: record, path: path) else {
      emit(
        record.failed(
          code: "bad_record", message: "relpath leaves the output folder (it holds '..')",
          step: "convert"))
      return
    }
    var output = record
    if output.origin == nil { output.origin = path }
    do {
      let result = try convert(path, to: target.path, context: context)
      output.path = target.path
      output[Record.Key.source] = path.json
      output.relpath = target.relpath
      result.facts.apply(to: &output)
      output[Record.Key.tags] =
        result.tags.isEmpty ? nil : .object(result.tags.mapValues { .string($0) })
      output[Record.Key.reencoded] = .bool(result.reencoded)
      if result.reencoded {
        output[Record.Key.encoderDelay] = result.encoderDelay.map { .int(Int64($0)) }
        output[Record.Key.encoderPadding] = result.encoderPadding.map { .int(Int64($0)) }
      }
      output[Record.Key.status] = "ok"
      output[Record.Key.error] = nil
      output[Record.Key.step] = "convert"
      emit(output)
    } catch {
      switch error {
      case .cancelled: throw CancellationError()
      case .failed(let code, let message):
        emit(output.failed(code: code, message: message, step: "convert"))
      }
    }
  }

  /// The output's relpath and path for an input, or nil when its relpath climbs out with `..`.
  func outputLocation(for record: Record, path: RawPath) -> (relpath: RawPath, path: RawPath)? {
    let relpath = record.relpath ?? path.lastComponent
    var parts: [[UInt8]] = []
    for component in relpath.bytes.split(separator: UInt8(ascii: "/")) {
      if component.elementsEqual([UInt8(ascii: ".")]) { continue }
      if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) { return nil }
      parts.append(Array(component))
    }
    if parts.isEmpty { parts = [path.lastComponent.bytes] }
    let clean = RawPath(bytes: Array(parts.joined(separator: [UInt8(ascii: "/")])))
    let outRelpath = clean.replacingExtension(with: options.format.fileExtension)
    return (outRelpath, options.outputDirectory.appending(outRelpath))
  }

  // MARK: - Converting one file

  /// Why one input failed, or that a stop was asked for.
  enum Failure: Error {
    case cancelled
    case failed(code: String, message: String)

    init(_ error: SoundFileError) { self = .failed(code: error.code, message: error.description) }
    init(_ error: OutputError) { self = .failed(code: error.code, message: error.description) }
    init(_ error: ResamplerError) {
      self = .failed(code: "cannot_write", message: error.description)
    }
  }

  /// What one conversion produced.
  struct Result {
    var facts: AudioFacts
    var tags: [String: String]
    var reencoded: Bool
    var encoderDelay: Int?
    var encoderPadding: Int?
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

  private func convert(_ path: RawPath, to finalPath: RawPath, context: StageContext)
    throws(Failure) -> Result
  {
    let file: SoundFile
    do { file = try SoundFile.open(reading: path) } catch { throw Failure(error) }
    if Self.isSameFile(path, finalPath) {
      throw .failed(
        code: "output_collision",
        message: "the output '\(finalPath.display)' is the input itself; choose another -o folder")
    }
    let source = Source(
      container: AudioFormat.containerName(file.format),
      encoding: AudioFormat.encodingName(file.format), sampleRate: file.sampleRate,
      channels: file.channels, bits: AudioFormat.integerBits(file.format))
    let settings = plan(for: source, tags: file.tags, path: path, context: context)
    let heldTags = Self.tagsHeld(by: options.format, of: file.tags)
    if !options.force && matches(source, settings, path: path) {
      let facts = try copy(file, from: path, to: finalPath, context: context)
      return Result(facts: facts, tags: file.tags, reencoded: false)
    }
    // libsndfile stops reading an MP3 without a Xing tag at its estimated length; through a
    // stream it reads to the end (and still trims a LAME-tagged file exactly).
    var reader = file
    if source.container == "mp3" {
      do { reader = try SoundFile.open(streaming: path) } catch { throw Failure(error) }
    }
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
      if reader.frames > 0 && reader.frames < Int64.max / 2 && framesRead < reader.frames {
        throw Failure.failed(
          code: "truncated",
          message: "truncated: \(framesRead) of \(reader.frames) declared frames could be decoded")
      }
      let facts: AudioFacts
      do { facts = try sink.finish() } catch { throw Failure(error) }
      do { try output.commit() } catch { throw Failure(error) }
      let mp3 = sink as? Mp3Sink
      return Result(
        facts: facts, tags: heldTags, reencoded: true, encoderDelay: mp3?.encoderDelay,
        encoderPadding: mp3?.encoderPadding)
    } catch {
      // Close libsndfile's handle (which may still write a header) before the descriptor goes.
      if openSink != nil { openSink = nil }
      output.abandon()
      throw error
    }
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

  /// The tags an output format holds (WAV has no license; every other output holds them all).
  static func tagsHeld(by format: AudioFormat, of tags: [String: String]) -> [String: String] {
    format == .wav || format == .mp3 ? tags.filter { $0.key != "license" } : tags
  }

  private static func isSameFile(_ a: RawPath, _ b: RawPath) -> Bool {
    guard case .success(let x) = FileSystem.status(a), case .success(let y) = FileSystem.status(b)
    else { return false }
    return x.st_dev == y.st_dev && x.st_ino == y.st_ino
  }

  // MARK: - Streaming the audio

  /// Reads every frame of `file`, converts it and feeds `sink`; returns the frames read.
  private func encode(
    _ file: SoundFile, source: Source, into sink: any AudioSink, settings: EncoderSettings,
    _ context: StageContext
  ) throws(Failure) -> Int64 {
    let block = Self.blockFrames
    let sameShape = settings.sampleRate == source.sampleRate && settings.channels == source.channels
    let targetBits = settings.sampleEncoding.flatMap { $0 == .float ? nil : $0.bits }
    var total: Int64 = 0

    if let sourceBits = source.bits, sourceBits <= 16, sameShape, sink.prefersIntegers {
      // 8- and 16-bit PCM as 16-bit integers: exact, and the cheapest path through libsndfile
      // and LAME.
      let samples = UnsafeMutablePointer<Int16>.allocate(capacity: block * source.channels)
      defer { samples.deallocate() }
      while true {
        try Self.checkCancellation(context)
        let n = file.read(into: samples, frames: block)
        if n <= 0 { break }
        do { try sink.write(samples, frames: n) } catch { throw Failure(error) }
        total += Int64(n)
      }
      return total
    }
    if let sourceBits = source.bits, sameShape, sink.prefersIntegers {
      // Integer PCM straight through: bit-exact unless the output has fewer bits.
      let samples = UnsafeMutablePointer<Int32>.allocate(capacity: block * source.channels)
      defer { samples.deallocate() }
      let reduceTo = targetBits.flatMap { $0 < sourceBits ? $0 : nil }
      while true {
        try Self.checkCancellation(context)
        let n = file.read(into: samples, frames: block)
        if n <= 0 { break }
        if let bits = reduceTo { Self.round(samples, count: n * source.channels, toBits: bits) }
        do { try sink.write(samples, frames: n) } catch { throw Failure(error) }
        total += Int64(n)
      }
      return total
    }

    // Floats: mix down, resample, mix up.
    let mixFirst = settings.channels < source.channels
    let resampleChannels = mixFirst ? settings.channels : source.channels
    let downMix = ChannelMixer(
      from: source.channels, to: mixFirst ? settings.channels : source.channels)
    let upMix = ChannelMixer(from: resampleChannels, to: settings.channels)
    let resampler: Resampler?
    if settings.sampleRate != source.sampleRate {
      do {
        resampler = try Resampler(
          from: source.sampleRate, to: settings.sampleRate, channels: resampleChannels,
          maxInputFrames: block)
      } catch { throw Failure(error) }
    } else {
      resampler = nil
    }
    let input = UnsafeMutablePointer<Float>.allocate(capacity: block * source.channels)
    defer { input.deallocate() }
    let mixed = UnsafeMutablePointer<Float>.allocate(capacity: block * resampleChannels)
    defer { mixed.deallocate() }
    let outCapacity =
      (resampler.map { Int((Double(block) * Double($0.outputRate) / Double($0.inputRate))) + 512 }
        ?? block)
    let widened = UnsafeMutablePointer<Float>.allocate(capacity: outCapacity * settings.channels)
    defer { widened.deallocate() }
    let integers = UnsafeMutablePointer<Int32>.allocate(
      capacity: targetBits == nil ? 1 : outCapacity * settings.channels)
    defer { integers.deallocate() }

    func deliver(_ samples: UnsafePointer<Float>, frames: Int) throws(Failure) {
      guard frames > 0 else { return }
      var data = samples
      if !upMix.isIdentity {
        upMix.mix(samples, frames: frames, into: widened)
        data = UnsafePointer(widened)
      }
      do {
        if let bits = targetBits {
          Self.quantize(data, count: frames * settings.channels, bits: bits, into: integers)
          try sink.write(integers, frames: frames)
        } else {
          try sink.write(data, frames: frames)
        }
      } catch { throw Failure(error) }
    }

    while true {
      try Self.checkCancellation(context)
      let n = file.read(into: input, frames: block)
      if n <= 0 { break }
      total += Int64(n)
      var data = UnsafePointer(input)
      if !downMix.isIdentity {
        downMix.mix(input, frames: n, into: mixed)
        data = UnsafePointer(mixed)
      }
      if let resampler {
        let out: UnsafeBufferPointer<Float>
        do { out = try resampler.process(data, frames: n) } catch { throw Failure(error) }
        try deliver(out.baseAddress!, frames: out.count / resampleChannels)
      } else {
        try deliver(data, frames: n)
      }
    }
    if let resampler {
      while true {
        let out: UnsafeBufferPointer<Float>
        do { out = try resampler.flush() } catch { throw Failure(error) }
        if out.isEmpty { break }
        try deliver(out.baseAddress!, frames: out.count / resampleChannels)
      }
    }
    return total
  }

  /// Throws `.cancelled` once a stop was asked for (`StageContext.checkCancellation`).
  private static func checkCancellation(_ context: StageContext) throws(Failure) {
    do { try context.checkCancellation() } catch { throw .cancelled }
  }

  /// Rounds full-scale integers to the nearest value that `bits` bits hold, halves up
  /// (saturating).
  static func round(_ samples: UnsafeMutablePointer<Int32>, count: Int, toBits bits: Int) {
    let shift = Int64(32 - bits)
    let half = Int64(1) << (shift - 1)
    let top = (Int64(Int32.max) >> shift) << shift
    for i in 0..<count {
      let value = ((Int64(samples[i]) + half) >> shift) << shift
      samples[i] = Int32(min(value, top))
    }
  }

  /// Floats in [-1, 1] to full-scale integers rounded to `bits` bits (halves up, as `round`
  /// does; saturating, no dither),
  /// so 16- and 24-bit PCM that went through floats comes back exactly.
  static func quantize(
    _ samples: UnsafePointer<Float>, count: Int, bits: Int, into out: UnsafeMutablePointer<Int32>
  ) {
    let scale = Double(Int64(1) << (bits - 1))
    let low = -scale
    let high = scale - 1
    let shift = Int32(32 - bits)
    for i in 0..<count {
      let value = min(max((Double(samples[i]) * scale + 0.5).rounded(.down), low), high)
      out[i] = Int32(value) << shift
    }
  }

  // MARK: - Copying a matching input

  private func copy(
    _ file: SoundFile, from path: RawPath, to finalPath: RawPath, context: StageContext
  ) throws(Failure) -> AudioFacts {
    let output: OutputFile
    do { output = try OutputFile(finalPath: finalPath, sync: options.sync) } catch {
      throw Failure(error)
    }
    let input = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
    guard input >= 0 else {
      let reason = String(cString: strerror(errno))
      output.abandon()
      throw .failed(code: "unreadable", message: "cannot open: \(reason)")
    }
    defer { close(input) }
    do {
      try Self.copyBytes(from: input, to: output.descriptor, path: finalPath)
    } catch {
      output.abandon()
      throw error
    }
    do { try output.commit() } catch { throw Failure(error) }
    var status = stat()
    let bytes = fstat(input, &status) == 0 ? Int64(status.st_size) : 0
    var frames = file.frames
    if AudioFormat.containerName(file.format) == "mp3"
      && MP3Header.inspect(path)?.hasLengthTag != true
    {
      // Without a Xing tag libsndfile only estimates the length: count the frames instead.
      if let counted = MP3Header.countSamples(path) {
        frames = counted
      } else {
        frames = try Self.countFrames(path, channels: file.channels)
      }
    }
    let lossy = AudioFormat.integerBits(file.format) == nil && !options.format.isLossless
    return AudioFacts(
      format: AudioFormat.containerName(file.format),
      encoding: AudioFormat.encodingName(file.format), sampleRate: file.sampleRate,
      channels: file.channels, frames: frames, bytes: bytes,
      bitrate: lossy
        ? AudioFacts.averageBitrate(bytes: bytes, frames: frames, sampleRate: file.sampleRate)
        : nil)
  }

  /// The frames an MP3 decodes to, read through a stream to the end.
  private static func countFrames(_ path: RawPath, channels: Int) throws(Failure) -> Int64 {
    let file: SoundFile
    do { file = try SoundFile.open(streaming: path) } catch { throw Failure(error) }
    let buffer = UnsafeMutablePointer<Int16>.allocate(capacity: blockFrames * max(1, channels))
    defer { buffer.deallocate() }
    var total: Int64 = 0
    while true {
      if Cancellation.isRequested { throw .cancelled }
      let n = file.read(into: buffer, frames: blockFrames)
      if n <= 0 { return total }
      total += Int64(n)
    }
  }

  /// Copies a whole file between descriptors: `sendfile(2)` in 8 MiB steps, or read/write
  /// where the file system cannot, checking for a stop between steps.
  static func copyBytes(from input: Int32, to output: Int32, path: RawPath) throws(Failure) {
    var useSendfile = true
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      if Cancellation.isRequested { throw .cancelled }
      if useSendfile {
        let n = sendfile(output, input, nil, 8 << 20)
        if n > 0 { continue }
        if n == 0 { return }
        if errno == EINTR { continue }
        if errno == EINVAL || errno == ENOSYS {
          useSendfile = false
          continue
        }
        throw .failed(
          code: "cannot_write",
          message: "cannot write '\(path.display)': \(String(cString: strerror(errno)))")
      }
      let n = read(input, buffer, 1 << 20)
      if n == 0 { return }
      if n < 0 {
        if errno == EINTR { continue }
        throw .failed(
          code: "read_error", message: "cannot read: \(String(cString: strerror(errno)))")
      }
      var offset = 0
      while offset < n {
        let w = write(output, buffer + offset, n - offset)
        if w > 0 {
          offset += w
        } else if w < 0 && errno == EINTR {
          continue
        } else {
          throw .failed(
            code: "cannot_write",
            message:
              "cannot write '\(path.display)': \(String(cString: strerror(w < 0 ? errno : ENOSPC)))"
          )
        }
      }
    }
  }
}

extension ConvertStage {
  /// The output paths claimed so far in a run, and by which input.
  private final class Claims: Sendable {
    private let paths = Mutex<[RawPath: RawPath]>([:])

    /// Claims `output` for `input`; returns the earlier input when another one holds it.
    func claim(_ output: RawPath, for input: RawPath) -> RawPath? {
      paths.withLock { paths in
        if let earlier = paths[output] { return earlier }
        paths[output] = input
        return nil
      }
    }
  }
}
