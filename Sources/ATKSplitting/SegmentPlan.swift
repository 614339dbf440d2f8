import ATKAudio

/// Where one file is cut: fixed-length pieces in integer frames, the last one shorter.
///
/// Segment `k` (from 0) holds frames `[k·length, min((k+1)·length, total))`, so the segments
/// laid end to end are the file. A file shorter than `length` is one segment; so is a file of
/// no frames at all (an empty segment). With a `minLast` length, a final piece shorter than it
/// is merged into the one before it (once: the merged piece may still be the longest).
public struct SegmentPlan: Sendable, Equatable {
  /// Frames in the file.
  public let total: Int64
  /// Frames per segment (all but the last).
  public let length: Int64
  /// How many segments.
  public let count: Int

  /// The plan for `total` frames cut every `length` frames; nil unless `length` is 1 or more
  /// and every count is within `FrameCount.limit` (so no position can overflow).
  ///
  /// - Parameter minLast: the shortest final piece kept on its own, in frames; 0 keeps any.
  public init?(total: Int64, length: Int64, minLast: Int64 = 0) {
    guard length >= 1, FrameCount.isPlausible(length), FrameCount.isPlausible(total),
      FrameCount.isPlausible(minLast)
    else { return nil }
    self.total = total
    self.length = length
    var count = max(1, (total + length - 1) / length)
    if count > 1 && total - (count - 1) * length < minLast { count -= 1 }
    self.count = Int(count)
  }

  /// The frames of segment `index` (from 0), end exclusive.
  public func frames(of index: Int) -> Range<Int64> {
    let start = Int64(index) * length
    return start..<(index == count - 1 ? total : start + length)
  }

  /// Digits in segment numbers: at least 3, more when the count needs them.
  public var numberWidth: Int { max(3, String(count).count) }

  /// Segment `index` (from 0) numbered from 1 and zero-padded: `001`, `002`, ...
  public func number(of index: Int) -> String {
    let digits = String(index + 1)
    return String(repeating: "0", count: max(0, numberWidth - digits.count)) + digits
  }
}
