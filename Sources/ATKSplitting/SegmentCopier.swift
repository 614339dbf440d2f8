import ATKAudio
import ATKEncoding
import ATKKit
import ATKRecords
import CSndFile

#if canImport(Glibc)
  import Glibc
#endif

/// Copies consecutive runs of frames from one open input into segment files.
///
/// WAV to WAV in the same encoding copies the sample bytes (`pread(2)`/`write(2)` through one
/// reusable buffer) under a header made from the source's own `fmt ` chunk; everything else
/// decodes through libsndfile into an `AudioSink`: 32-bit integers when the sink is lossless
/// (`sf_readf_int`, exact), floats otherwise. Runs must come in order, from frame 0.
final class SegmentCopier: PieceWriter {
  private enum Mode {
    case bytes(WAVLayout, descriptor: Int32)
    case decode
  }

  private let file: SoundFile
  /// The frames the input holds, as its header (or, for an untagged MP3, its frames) say.
  private let declaredFrames: Int64
  private let path: RawPath
  private let settings: EncoderSettings
  private let context: StageContext
  private let mode: Mode
  private let buffer: UnsafeMutableRawPointer
  private let bufferBytes: Int
  /// The next frame the decoder returns.
  private var position: Int64 = 0

  private static let blockFrames = 8192
  private static let copyBytes = 256 * 1024

  var isExact: Bool { true }

  var method: String {
    if case .bytes = mode { return "byte copy" }
    return ""
  }

  /// A copier reading `file` (opened from `path`, holding `declaredFrames`) into outputs
  /// encoded as `settings` say.
  init(
    file: SoundFile, declaredFrames: Int64, path: RawPath, settings: EncoderSettings,
    context: StageContext
  ) {
    self.file = file
    self.declaredFrames = declaredFrames
    self.path = path
    self.settings = settings
    self.context = context
    if let layout = Self.byteLayout(file: file, path: path, settings: settings) {
      mode = .bytes(layout.layout, descriptor: layout.descriptor)
      bufferBytes = Self.copyBytes
    } else {
      mode = .decode
      bufferBytes = Self.blockFrames * max(1, file.channels) * 4
    }
    buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferBytes, alignment: 16)
  }

  deinit {
    buffer.deallocate()
    if case .bytes(_, let descriptor) = mode { close(descriptor) }
  }

  /// The layout for the byte-copy path and a descriptor to read from, if the path applies.
  private static func byteLayout(file: SoundFile, path: RawPath, settings: EncoderSettings)
    -> (layout: WAVLayout, descriptor: Int32)?
  {
    guard settings.format == .wav, AudioFormat.containerName(file.format) == "wav" else {
      return nil
    }
    let width: Int
    switch Int(file.format) & SF_FORMAT_SUBMASK {
    case SF_FORMAT_PCM_U8: width = 1
    case SF_FORMAT_PCM_16: width = 2
    case SF_FORMAT_PCM_24: width = 3
    case SF_FORMAT_PCM_32, SF_FORMAT_FLOAT: width = 4
    case SF_FORMAT_DOUBLE: width = 8
    default: return nil
    }
    let isFloat = width >= 4 && AudioFormat.integerBits(file.format) == nil
    let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else { return nil }
    var status = stat()
    guard fstat(fd, &status) == 0,
      let layout = WAVLayout.read(
        descriptor: fd, fileSize: Int64(status.st_size), frames: file.frames,
        bytesPerFrame: width * file.channels, isFloat: isFloat)
    else {
      close(fd)
      return nil
    }
    return (layout, fd)
  }

  /// Writes `frames` into `output` (not yet committed) and returns the facts of the result.
  ///
  /// - Throws: `.cancelled` on a stop; a failure coded `truncated` when the input ends before
  ///   the run does, and as `SplitError` and `SoundFileError` say otherwise.
  func write(_ frames: Range<Int64>, into output: OutputFile) throws(StageFailure) -> AudioFacts {
    switch mode {
    case .bytes(let layout, let descriptor):
      return try copyBytes(frames, layout: layout, from: descriptor, into: output)
    case .decode:
      return try decode(frames, into: output)
    }
  }

  private func copyBytes(
    _ frames: Range<Int64>, layout: WAVLayout, from source: Int32, into output: OutputFile
  ) throws(StageFailure) -> AudioFacts {
    let count = Int64(frames.count)
    guard let (header, padByte) = layout.header(frames: count) else {
      throw StageFailure(
        SplitError.cannotWrite(
          path: output.finalPath, reason: "a WAV segment cannot hold more than 4 GiB"))
    }
    let headerFailure = header.withUnsafeBytes {
      Descriptor.writeAll(output.descriptor, $0.baseAddress!, count: header.count)
    }
    try check(headerFailure, writing: output)
    var offset = layout.dataOffset + frames.lowerBound * Int64(layout.blockAlign)
    var remaining = count * Int64(layout.blockAlign)
    while remaining > 0 {
      do { try context.checkCancellation() } catch { throw StageFailure(error) }
      let n = pread(source, buffer, Int(min(Int64(bufferBytes), remaining)), off_t(offset))
      if n < 0 {
        if errno == EINTR { continue }
        throw StageFailure(SplitError.cannotRead(reason: String(cString: strerror(errno))))
      }
      if n == 0 {
        let decoded = (offset - layout.dataOffset) / Int64(layout.blockAlign)
        throw StageFailure(
          SplitError.truncated(
            decoded: decoded, declared: declaredFrames,
            reason: "the file got shorter while reading"))
      }
      try write(buffer, n, to: output)
      offset += Int64(n)
      remaining -= Int64(n)
    }
    if padByte {
      var zero: UInt8 = 0
      try write(&zero, 1, to: output)
    }
    return AudioFacts(
      format: "wav", encoding: AudioFormat.encodingName(file.format),
      sampleRate: file.sampleRate, channels: file.channels, frames: count,
      bytes: Int64(header.count) + count * Int64(layout.blockAlign) + (padByte ? 1 : 0))
  }

  /// Writes all of `count` bytes to the segment.
  private func write(_ bytes: UnsafeRawPointer, _ count: Int, to output: OutputFile)
    throws(StageFailure)
  {
    try check(Descriptor.writeAll(output.descriptor, bytes, count: count), writing: output)
  }

  /// Throws the failure to write `output` that the `errno` value `failure` (0: none) stands for.
  private func check(_ failure: Int32, writing output: OutputFile) throws(StageFailure) {
    if failure != 0 {
      throw StageFailure(
        SplitError.cannotWrite(path: output.finalPath, reason: String(cString: strerror(failure))))
    }
  }

  private func decode(_ frames: Range<Int64>, into output: OutputFile) throws(StageFailure)
    -> AudioFacts
  {
    precondition(frames.lowerBound == position, "segments must be copied in order")
    let sink: any AudioSink
    do { sink = try AudioSinks.open(settings, into: output) } catch { throw StageFailure(error) }
    let integers = sink.prefersIntegers
    var remaining = Int64(frames.count)
    while remaining > 0 {
      do { try context.checkCancellation() } catch { throw StageFailure(error) }
      let want = Int(min(Int64(Self.blockFrames), remaining))
      let got =
        integers
        ? file.read(into: buffer.assumingMemoryBound(to: Int32.self), frames: want)
        : file.read(into: buffer.assumingMemoryBound(to: Float.self), frames: want)
      if got <= 0 {
        let reason = file.lastError
        throw StageFailure(
          SplitError.truncated(
            decoded: position, declared: declaredFrames,
            reason: reason == "No Error." ? "" : reason))
      }
      do {
        if integers {
          try sink.write(UnsafePointer(buffer.assumingMemoryBound(to: Int32.self)), frames: got)
        } else {
          try sink.write(UnsafePointer(buffer.assumingMemoryBound(to: Float.self)), frames: got)
        }
      } catch {
        throw StageFailure(error)
      }
      position += Int64(got)
      remaining -= Int64(got)
    }
    do { return try sink.finish() } catch { throw StageFailure(error) }
  }
}
