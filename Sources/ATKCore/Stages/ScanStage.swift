import ATKRecords
import CSndFile

/// atk-scan's work: probe each file through libsndfile and state its facts.
///
/// Files that cannot be read become failed records whose `error.code` says why: `not_found`,
/// `unreadable`, `empty_file`, `truncated`, `corrupt`, `not_audio`, `unsupported_format`.
public struct ScanStage: Stage {
  /// How thoroughly to look.
  public struct Options: Sendable {
    /// Decode every file to the end, to catch damage past the header (slower).
    public var verify = false
    public init() {}
  }

  public let options: Options

  public init(options: Options) { self.options = options }

  public func process(_ record: Record, context: StageContext, emit: (Record) -> Void) {
    guard let path = record.path else {
      emit(record.failed(code: "bad_record", message: "record has no 'path'", step: "scan"))
      return
    }
    var output = record
    if output.origin == nil { output.origin = path }
    if output.relpath == nil { output.relpath = path.lastComponent }
    do {
      let file = try SoundFile.open(reading: path)
      let facts = try probe(file, path: path)
      facts.apply(to: &output)
      let tags = file.tags.filter { $0.key != "software" }
      output[Record.Key.tags] = tags.isEmpty ? nil : .object(tags.mapValues { .string($0) })
      output[Record.Key.status] = "ok"
      output[Record.Key.error] = nil
      output[Record.Key.step] = "scan"
      emit(output)
    } catch {
      emit(output.failed(code: error.code, message: error.description, step: "scan"))
    }
  }

  /// The file's facts; for compressed files, checks that the last frame can be reached.
  private func probe(_ file: SoundFile, path: RawPath) throws(SoundFileError) -> AudioFacts {
    guard case .success(let status) = FileSystem.status(path) else {
      throw .cannotOpen(path: path, code: .unreadable, reason: "file vanished while reading")
    }
    let container = AudioFormat.containerName(file.format)
    let lossless = AudioFormat.integerBits(file.format) != nil
    let isPCMContainer = ["wav", "aiff", "w64", "rf64", "caf", "au"].contains(container)
    if !isPCMContainer && file.seekable && file.frames == Int64.max {
      // libsndfile gives SF_COUNT_MAX when it cannot find the end of an Ogg stream on disk.
      throw .cannotOpen(
        path: path, code: .truncated, reason: "truncated: the end of the stream cannot be found")
    }
    // Without a Xing/LAME tag libsndfile only estimates an MP3's length (badly for VBR); the
    // frame headers give the exact count a decoder returns.
    let untaggedMP3 = container == "mp3" && MP3Header.inspect(path)?.hasLengthTag != true
    let declared = untaggedMP3 ? MP3Header.countSamples(path) ?? file.frames : file.frames
    var frames = declared
    if options.verify {
      // An MP3 is decoded as a stream: libsndfile stops a seekable untagged one early.
      let decoder = container == "mp3" ? try SoundFile.open(streaming: path) : file
      frames = try decodedFrames(decoder)
      if frames < declared {
        throw .cannotOpen(
          path: path, code: .truncated,
          reason: "truncated: \(frames) of \(declared) declared frames could be decoded")
      }
    } else if !isPCMContainer && !untaggedMP3 && file.seekable && file.frames > 0 {
      var scratch = [Float](repeating: 0, count: max(1, file.channels))
      let last = file.frames - 1
      let reached = file.seek(to: last) && scratch.withUnsafeMutableBufferPointer {
        file.read(into: $0.baseAddress!, frames: 1) == 1
      }
      if !reached {
        throw .cannotOpen(
          path: path, code: .truncated,
          reason: "truncated: the last of \(file.frames) declared frames cannot be read")
      }
    }
    return AudioFacts(
      format: AudioFormat.containerName(file.format),
      encoding: AudioFormat.encodingName(file.format),
      sampleRate: file.sampleRate, channels: file.channels, frames: frames,
      bytes: Int64(status.st_size),
      bitrate: lossless || file.format & Int32(SF_FORMAT_SUBMASK) < 0x10
        ? nil
        : AudioFacts.averageBitrate(
          bytes: Int64(status.st_size), frames: frames, sampleRate: file.sampleRate))
  }

  private func decodedFrames(_ file: SoundFile) throws(SoundFileError) -> Int64 {
    let block = 8192
    var buffer = [Float](repeating: 0, count: block * max(1, file.channels))
    var total: Int64 = 0
    while true {
      let n = buffer.withUnsafeMutableBufferPointer { file.read(into: $0.baseAddress!, frames: block) }
      if n <= 0 { break }
      total += Int64(n)
    }
    return total
  }
}
