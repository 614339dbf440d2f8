import ATKRecords

/// A set of frame regions in one file: sorted, non-overlapping, non-empty half-open ranges
/// `[start, end)` of integer frames.
///
/// What the detectors find (silences, speech) and what the splitter and trimmer consume. In a
/// record a set of regions is an array of `[start_frame, end_frame]` pairs (`silences`,
/// `speech`); see atk-record(5).
public struct Regions: Sendable, Equatable {
  /// The regions, sorted by start; none empty, none touching or overlapping another.
  public private(set) var ranges: [Range<Int64>]

  /// No regions.
  public init() { ranges = [] }

  /// The regions covering the union of `ranges`, in any order: empty ranges are dropped,
  /// overlapping and touching ones merged.
  public init(_ ranges: [Range<Int64>]) {
    var merged: [Range<Int64>] = []
    for range in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
      if let last = merged.last, range.lowerBound <= last.upperBound {
        merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
      } else {
        merged.append(range)
      }
    }
    self.ranges = merged
  }

  /// Adds a region that starts at or after the end of the last one (a detector's stream).
  public mutating func append(_ range: Range<Int64>) {
    guard !range.isEmpty else { return }
    if let last = ranges.last, range.lowerBound <= last.upperBound {
      ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
    } else {
      ranges.append(range)
    }
  }

  public var isEmpty: Bool { ranges.isEmpty }
  public var count: Int { ranges.count }

  /// Frames covered by all regions together.
  public var totalFrames: Int64 { ranges.reduce(0) { $0 + Int64($1.count) } }

  /// The frames of `extent` not covered by any region (silences → sound, and back).
  public func complement(within extent: Range<Int64>) -> Regions {
    var result = Regions()
    var position = extent.lowerBound
    for range in ranges {
      let start = max(range.lowerBound, extent.lowerBound)
      let end = min(range.upperBound, extent.upperBound)
      guard start < end else { continue }
      result.append(position..<start)
      position = end
    }
    result.append(position..<extent.upperBound)
    return result
  }

  /// The regions without those shorter than `frames`.
  public func removingShorter(than frames: Int64) -> Regions {
    var result = self
    result.ranges.removeAll { Int64($0.count) < frames }
    return result
  }

  /// The regions with every gap between two of them shorter than `frames` filled in.
  public func closingGaps(shorterThan frames: Int64) -> Regions {
    var result = Regions()
    for range in ranges {
      if let last = result.ranges.last, range.lowerBound - last.upperBound < frames {
        result.ranges[result.ranges.count - 1] = last.lowerBound..<range.upperBound
      } else {
        result.ranges.append(range)
      }
    }
    return result
  }

  /// Each region widened by `frames` on both sides, kept within `extent`; regions that come
  /// to touch or overlap are merged, so padded regions never overlap.
  public func padded(by frames: Int64, within extent: Range<Int64>) -> Regions {
    Regions(
      ranges.map {
        max(
          extent.lowerBound, $0.lowerBound - frames)..<min(
            extent.upperBound, $0.upperBound + frames)
      })
  }

  /// Each region narrowed by `frames` on both sides; regions that vanish are dropped.
  public func shrunk(by frames: Int64) -> Regions {
    Regions(
      ranges.compactMap {
        let start = $0.lowerBound + frames
        let end = $0.upperBound - frames
        return start < end ? start..<end : nil
      })
  }

  /// The record form: `[[start_frame, end_frame], ...]`.
  public var json: JSONValue {
    .array(ranges.map { .array([.int($0.lowerBound), .int($0.upperBound)]) })
  }

  /// The regions a record's value states, or nil when it is not an array of `[start, end]`
  /// integer pairs with `0 ≤ start < end`.
  public init?(json: JSONValue) {
    guard let items = json.arrayValue else { return nil }
    var ranges: [Range<Int64>] = []
    ranges.reserveCapacity(items.count)
    for item in items {
      guard let pair = item.arrayValue, pair.count == 2, let start = pair[0].intValue,
        let end = pair[1].intValue, start >= 0, start < end
      else { return nil }
      ranges.append(start..<end)
    }
    self.init(ranges)
  }

  /// The summary object recorded beside the regions: how many, how long in all, and what
  /// share of `totalFrames` they cover.
  public func summary(totalFrames total: Int64, sampleRate: Int) -> [String: JSONValue] {
    let frames = totalFrames
    return [
      "count": .int(Int64(count)),
      "total_seconds": .double(sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0),
      "ratio": .double(total > 0 ? Double(frames) / Double(total) : 0),
    ]
  }
}
