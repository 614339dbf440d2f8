/// Checked arithmetic between seconds and integer frames, and the longest length atk believes.
///
/// Lengths come from outside: a header (libsndfile reports `SF_COUNT_MAX` when it cannot find
/// the end of a stream), a command line, a record. Each is checked here once, at the boundary,
/// so the frame arithmetic after it (`total + length - 1`, `index × length`) cannot overflow.
public enum FrameCount {
  /// The most frames a file is taken to hold: 2⁴⁸, over 11 years at 768 kHz. A header that
  /// states more, or `SF_COUNT_MAX`, does not know the length.
  public static let limit: Int64 = 1 << 48

  /// Whether `frames` is a length a header can truly state (0 through `limit`).
  public static func isPlausible(_ frames: Int64) -> Bool { frames >= 0 && frames <= limit }

  /// The most frames one byte of a file is taken to hold: 1,024. Opus at 6 kbit/s, mono at
  /// 48 kHz, holds 64; only silence in a FLAC with the largest blocks comes near.
  public static let framesPerByteLimit: Int64 = 1024

  /// Whether a file of `bytes` bytes can hold `frames` frames (at most `framesPerByteLimit` a
  /// byte). A header that claims more (an Ogg page's granule position set to 2⁴⁰) is checked
  /// by decoding the file, never planned or sought by: the work would grow with the claim.
  public static func isPlausible(_ frames: Int64, bytes: Int64) -> Bool {
    isPlausible(frames) && (frames + framesPerByteLimit - 1) / framesPerByteLimit <= bytes
  }

  /// `seconds` at `sampleRate` in whole frames, rounded to the nearest; nil when `seconds` is
  /// not a finite number of 0 or more, or the result passes `limit`.
  public static func frames(seconds: Double, sampleRate: Int) -> Int64? {
    guard seconds.isFinite, seconds >= 0, sampleRate > 0 else { return nil }
    let frames = (seconds * Double(sampleRate)).rounded()
    guard frames <= Double(limit) else { return nil }
    return Int64(frames)
  }
}
