import ATKRecords

/// An audio file opened for reading, with its length as exactly as it can be known.
///
/// libsndfile only estimates the length of an MP3 without a Xing, Info or VBRI tag (from its
/// first frame, which for VBR is far off), and stops reading such a file at that estimate when
/// it can seek. `open` counts an untagged MP3's frames from its frame headers instead, and
/// `reader()` reads every MP3 as a stream (`SoundFile.open(streaming:)`), which decodes to the
/// end and still trims a LAME-tagged file to its exact length. Every stage opens its inputs
/// here, so none repeats this.
public final class AudioInput {
  /// How `frames` is known.
  public enum Length: Sendable, Equatable {
    /// The header states it: a WAV's data size, a FLAC's STREAMINFO, an MP3's length tag.
    case stated
    /// Counted from the frame headers of an MP3 without a length tag: what a decoder returns,
    /// the encoder's delay and padding included.
    case counted
    /// libsndfile's estimate, for an MP3 without a length tag whose frames could not be
    /// counted.
    case estimated
    /// Not known (a FLAC written to a pipe states none); `frames` is nil: decode to count.
    case unknown
  }

  /// The path the file was opened from.
  public let path: RawPath
  /// The file as `SoundFile.open(reading:)` opened it: its format, rate, channels and tags.
  public let file: SoundFile
  /// The container's `format` name (`wav`, `flac`, `mp3`, ...; see `AudioFormat`).
  public let container: String
  /// The frames the file holds, as `length` says they are known; nil when unknown.
  public let frames: Int64?
  /// How `frames` is known.
  public let length: Length
  /// Whether `reader()` gave out `file` already.
  private var fileGiven = false

  private init(
    path: RawPath, file: SoundFile, container: String, length: Length, frames: Int64?
  ) {
    self.path = path
    self.file = file
    self.container = container
    self.length = length
    self.frames = frames
  }

  /// Opens `path` for reading (`SoundFile.open(reading:)`) and finds its length; for an MP3
  /// without a length tag, by walking its frame headers (`MP3Header.countSamples`).
  ///
  /// - Throws: `SoundFileError.cannotOpen` with a code saying what is wrong with the file.
  public static func open(_ path: RawPath) throws(SoundFileError) -> AudioInput {
    let file = try SoundFile.open(reading: path)
    let container = AudioFormat.containerName(file.format)
    let stated = file.lengthIsKnown ? file.frames : nil
    var length: Length = stated == nil ? .unknown : .stated
    var frames = stated
    if container == "mp3" && MP3Header.inspect(path)?.hasLengthTag != true {
      if let counted = MP3Header.countSamples(path) {
        (length, frames) = (.counted, counted)
      } else if stated != nil {
        length = .estimated
      }
    }
    return AudioInput(path: path, file: file, container: container, length: length, frames: frames)
  }

  /// A reader at the first frame, which decodes to the end of the file; call it again to read
  /// the file again from the start.
  ///
  /// An MP3 is opened as a stream each time. Any other file is `file` itself the first time
  /// (so a caller that reads or seeks `file` directly asks for no reader after that), and
  /// opened again after that.
  ///
  /// - Throws: `SoundFileError.cannotOpen` when the file cannot be opened again.
  public func reader() throws(SoundFileError) -> SoundFile {
    if container == "mp3" { return try SoundFile.open(streaming: path) }
    if !fileGiven {
      fileGiven = true
      return file
    }
    return try SoundFile.open(reading: path)
  }
}
