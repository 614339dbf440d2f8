import ATKAudio
import ATKKit
import ATKRecords
import CSndFile

/// atk-scan's work: probe each file through libsndfile and state its facts.
///
/// Files that cannot be read become failed records whose `error.code` says why: `not_found`,
/// `unreadable`, `empty_file`, `truncated`, `corrupt`, `not_audio`, `unsupported_format`.
public struct ScanStage: Stage {
  public static let step = "scan"

  /// How thoroughly to look.
  public struct Options: Sendable {
    /// Decode every file to the end, to catch damage past the header, and check a FLAC's
    /// MD5 signature (slower).
    public var verify = false
    public init() {}
  }

  public let options: Options

  public init(options: Options) { self.options = options }

  public func process(_ record: Record, context: StageContext, emit: (Record) -> Void) {
    guard let path = record.path else {
      emit(failed(record, .badRecord, "record has no 'path'"))
      return
    }
    var output = record
    do {
      let input = try AudioInput.open(path)
      let file = input.file
      let facts = try probe(input, path: path)
      facts.apply(to: &output)
      let tags = file.tags.filter { $0.key != "software" }
      output[Record.Key.tags] = tags.isEmpty ? nil : .object(tags.mapValues { .string($0) })
      emit(succeeded(output))
    } catch {
      emit(failed(record, error))
    }
  }

  /// The file's facts; for compressed files, checks that the last frame can be reached.
  ///
  /// A file whose header does not state its length, or states more than its size can hold, is
  /// decoded to count its frames. With `verify`, every file is decoded to the end, an Ogg
  /// file's pages are checked, and a FLAC's samples are checked against the MD5 signature in
  /// its STREAMINFO.
  private func probe(_ input: AudioInput, path: RawPath) throws(SoundFileError) -> AudioFacts {
    guard case .success(let status) = FileSystem.status(path) else {
      throw .cannotOpen(path: path, code: .unreadable, reason: "file vanished while reading")
    }
    let file = input.file
    let container = input.container
    let lossless = AudioFormat.integerBits(file.format) != nil
    let isPCMContainer = ["wav", "aiff", "w64", "rf64", "caf", "au"].contains(container)
    let declared = input.frames
    var frames = declared ?? 0
    // A length the file's bytes cannot hold (an Ogg page claiming 2⁴⁰ frames) is checked by
    // decoding, not by seeking to its end.
    let believable = declared.map { FrameCount.isPlausible($0, bytes: Int64(status.st_size)) }
    if options.verify || believable != true {
      // Decode to the end: to verify, or to count what the header does not state.
      if options.verify { try file.checkOggPages() }
      let decoder = try input.reader()
      let signature = options.verify && container == "flac" ? FLACSignature.read(path) : nil
      let decoded = decoder.decodeToEnd(checking: signature)
      frames = decoded.frames
      if let declared, frames < declared {
        throw .damaged(
          path: path, code: .truncated,
          reason: "truncated: \(frames) of \(declared) declared frames could be decoded")
      }
      if decoded.signatureMatches == false {
        throw .damaged(
          path: path, code: .corrupt,
          reason: "corrupt: the decoded audio does not match the file's MD5 signature")
      }
    } else if !isPCMContainer && input.length == .stated && file.seekable && file.frames > 0 {
      var scratch = [Float](repeating: 0, count: max(1, file.channels))
      let last = file.frames - 1
      let reached =
        file.seek(to: last)
        && scratch.withUnsafeMutableBufferPointer {
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
}
