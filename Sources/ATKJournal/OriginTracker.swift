import ATKRecords

/// Decides from output records alone when every output of an origin has arrived.
///
/// Each output record names its place among the outputs of its origin with `part`: a path of
/// `(index, count)` levels, outermost first. An origin is complete when the leaves received
/// cover the whole tree: at the root, every child `1...count` is present, and each child is
/// either a leaf itself or, recursively, complete. Depths may differ between siblings (a failed
/// record at depth 1 next to split pieces at depth 2), and a record without `part` covers the
/// whole origin. Failed and dropped records are leaves like any other.
///
/// Only origins still in flight are held, and each is dropped once complete, so memory stays
/// bounded by the records in flight, not by the session.
public struct OriginTracker {
  /// The leaves seen so far for each origin in flight, with whether each failed.
  private var inFlight: [[UInt8]: [[Record.Part]: Bool]] = [:]

  public init() {}

  /// How many origins are in flight.
  public var count: Int { inFlight.count }

  /// Whether `origin` is in flight here.
  public func isTracking(_ origin: [UInt8]) -> Bool { inFlight[origin] != nil }

  /// Starts tracking `origin` with the leaves already stored for it (from an earlier run).
  public mutating func start(_ origin: [UInt8], stored: [(part: [Record.Part], failed: Bool)]) {
    var leaves: [[Record.Part]: Bool] = [:]
    for leaf in stored { Self.insert(leaf.part, failed: leaf.failed, into: &leaves) }
    inFlight[origin] = leaves
  }

  /// What one more leaf did to its origin.
  public struct Outcome {
    /// Whether the origin is now complete (and no longer tracked).
    public var complete: Bool
    /// Whether any of its leaves failed.
    public var failed: Bool
    /// Stored leaves the new one contradicts (an older, different split); drop them.
    public var superseded: [[Record.Part]]
  }

  /// Adds a leaf of `origin` (which must be tracked, see `start`).
  public mutating func add(_ origin: [UInt8], part: [Record.Part], failed: Bool) -> Outcome {
    var leaves = inFlight[origin] ?? [:]
    let superseded = Self.insert(part, failed: failed, into: &leaves)
    let anyFailed = leaves.values.contains(true)
    if Self.covers(Array(leaves.keys)) {
      inFlight[origin] = nil
      return Outcome(complete: true, failed: anyFailed, superseded: superseded)
    }
    inFlight[origin] = leaves
    return Outcome(complete: false, failed: anyFailed, superseded: superseded)
  }

  /// Stops tracking `origin`.
  public mutating func forget(_ origin: [UInt8]) { inFlight[origin] = nil }

  /// Inserts a leaf, removing the leaves it contradicts; returns those.
  ///
  /// Two leaves contradict each other when one lies inside the other (a whole file and one of
  /// its pieces) or when they disagree on a count at a level they share: the newer one is then
  /// from a rerun that split differently, and wins.
  @discardableResult
  private static func insert(
    _ part: [Record.Part], failed: Bool, into leaves: inout [[Record.Part]: Bool]
  ) -> [[Record.Part]] {
    var removed: [[Record.Part]] = []
    if leaves[part] == nil {
      for existing in leaves.keys where contradicts(existing, part) {
        removed.append(existing)
      }
      for key in removed { leaves[key] = nil }
    }
    leaves[part] = failed
    return removed
  }

  private static func contradicts(_ a: [Record.Part], _ b: [Record.Part]) -> Bool {
    for level in 0..<min(a.count, b.count) {
      if a[level].count != b[level].count { return true }
      if a[level].index != b[level].index { return false }
    }
    return true  // one is a prefix of the other (and they are not equal)
  }

  /// Whether `leaves` cover the whole tree below their common root.
  public static func covers(_ leaves: [[Record.Part]]) -> Bool {
    covers(leaves[...], depth: 0)
  }

  private static func covers(_ leaves: ArraySlice<[Record.Part]>, depth: Int) -> Bool {
    guard let first = leaves.first else { return false }
    if leaves.contains(where: { $0.count == depth }) { return true }
    let count = first[depth].count
    guard count >= 1, Int64(leaves.count) >= count else { return false }
    var children: [Int64: [[Record.Part]]] = [:]
    for leaf in leaves {
      let level = leaf[depth]
      guard level.count == count, level.index >= 1, level.index <= count else { return false }
      children[level.index, default: []].append(leaf)
    }
    guard Int64(children.count) == count else { return false }
    return children.values.allSatisfy { covers($0[...], depth: depth + 1) }
  }

  /// The text key of a part path in the `outputs` table: `''` for the whole origin, else the
  /// levels joined by dots, each `index/count`, outermost first (`2/3.1/4`).
  public static func key(for part: [Record.Part]) -> String {
    part.map { "\($0.index)/\($0.count)" }.joined(separator: ".")
  }

  /// The part path of a key made by `key(for:)`; nil when it is not one.
  public static func part(fromKey key: String) -> [Record.Part]? {
    if key.isEmpty { return [] }
    var levels: [Record.Part] = []
    for level in key.split(separator: ".", omittingEmptySubsequences: false) {
      let pair = level.split(separator: "/")
      guard pair.count == 2, let index = Int64(pair[0]), let count = Int64(pair[1]) else {
        return nil
      }
      levels.append(Record.Part(index: index, count: count))
    }
    return levels
  }
}
