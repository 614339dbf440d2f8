import ATKRecords

/// The facts atk states about an audio file: the keys atk-scan writes and every tool updates.
public struct AudioFacts: Sendable, Equatable {
  public var format: String
  public var encoding: String
  public var sampleRate: Int
  public var channels: Int
  public var frames: Int64
  public var bytes: Int64
  /// Average bit rate in kbit/s, for lossy encodings.
  public var bitrate: Int?

  public init(
    format: String, encoding: String, sampleRate: Int, channels: Int, frames: Int64, bytes: Int64,
    bitrate: Int? = nil
  ) {
    self.format = format
    self.encoding = encoding
    self.sampleRate = sampleRate
    self.channels = channels
    self.frames = frames
    self.bytes = bytes
    self.bitrate = bitrate
  }

  /// Duration in seconds, rounded to the microsecond (frames stay the exact measure).
  public var duration: Double {
    guard sampleRate > 0 else { return 0 }
    return (Double(frames) / Double(sampleRate) * 1_000_000).rounded() / 1_000_000
  }

  /// The average bit rate of a file of `bytes` bytes holding `frames` at `sampleRate`, in kbit/s;
  /// nil when there are no frames or the figure is beyond any real bit rate.
  public static func averageBitrate(bytes: Int64, frames: Int64, sampleRate: Int) -> Int? {
    guard frames > 0, sampleRate > 0 else { return nil }
    let seconds = Double(frames) / Double(sampleRate)
    let kbps = (Double(bytes) * 8 / seconds / 1000).rounded()
    return kbps.isFinite && kbps >= 0 && kbps < 1e12 ? Int(kbps) : nil
  }

  /// Writes the facts into `record`, replacing earlier values.
  public func apply(to record: inout Record) {
    record[Record.Key.format] = .string(format)
    record[Record.Key.encoding] = .string(encoding)
    record[Record.Key.sampleRate] = .int(Int64(sampleRate))
    record[Record.Key.channels] = .int(Int64(channels))
    record[Record.Key.frames] = .int(frames)
    record[Record.Key.duration] = .double(duration)
    record[Record.Key.bytes] = .int(bytes)
    record[Record.Key.bitrate] = bitrate.map { .int(Int64($0)) }
  }
}
