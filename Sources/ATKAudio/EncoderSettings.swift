/// How an output is encoded: what `atk-convert` flags and `atk-split --format` ask for.
public struct EncoderSettings: Sendable, Equatable {
  /// Sample encodings of PCM outputs.
  public enum SampleEncoding: String, Sendable, CaseIterable {
    case pcm16 = "16"
    case pcm24 = "24"
    case pcm32 = "32"
    case float = "32f"

    /// Bits per sample.
    public var bits: Int {
      switch self {
      case .pcm16: 16
      case .pcm24: 24
      case .pcm32, .float: 32
      }
    }
  }

  public var format: AudioFormat
  public var sampleRate: Int
  public var channels: Int
  /// PCM encoding for wav and flac; nil for lossy formats.
  public var sampleEncoding: SampleEncoding?
  /// kbit/s: constant bit rate for mp3, target bit rate for opus.
  public var bitrate: Int?
  /// mp3 VBR quality 0 (best) to 9, like `lame -V`; ogg quality 0 to 10 (best), like `oggenc -q`.
  public var quality: Double?
  /// flac compression level 0 to 8 (default 5).
  public var compression: Int?
  /// Text tags to write where the format holds them.
  public var tags: [String: String]

  public init(
    format: AudioFormat, sampleRate: Int, channels: Int, sampleEncoding: SampleEncoding? = nil,
    bitrate: Int? = nil, quality: Double? = nil, compression: Int? = nil,
    tags: [String: String] = [:]
  ) {
    self.format = format
    self.sampleRate = sampleRate
    self.channels = channels
    self.sampleEncoding = sampleEncoding
    self.bitrate = bitrate
    self.quality = quality
    self.compression = compression
    self.tags = tags
  }
}
