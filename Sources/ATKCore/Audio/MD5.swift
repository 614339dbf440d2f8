#if canImport(Glibc)
  import Glibc
#endif

/// MD5 (RFC 1321), fed in pieces: FLAC's STREAMINFO signs the decoded samples with it.
///
/// Not for security; only to compare audio with the signature its encoder computed.
struct MD5 {
  private var state: (UInt32, UInt32, UInt32, UInt32) = (
    0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476
  )
  /// The bytes of an unfinished 64-byte block.
  private var pending: [UInt8] = []
  private var length: UInt64 = 0

  /// The per-step shift amounts, four per round.
  private static let shifts: [UInt32] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]

  /// ⌊|sin(i + 1)| × 2³²⌋ for i in 0..<64.
  private static let constants: [UInt32] = (0..<64).map {
    UInt32(truncatingIfNeeded: Int64((abs(sin(Double($0 + 1))) * 4_294_967_296).rounded(.down)))
  }

  init() { pending.reserveCapacity(64) }

  /// Adds `bytes` to the message.
  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    length &+= UInt64(bytes.count)
    var at = 0
    if !pending.isEmpty {
      let take = min(64 - pending.count, bytes.count)
      pending += bytes[0..<take]
      at = take
      guard pending.count == 64 else { return }
      pending.withUnsafeBytes { compress($0.baseAddress!) }
      pending.removeAll(keepingCapacity: true)
    }
    while bytes.count - at >= 64 {
      compress(bytes.baseAddress! + at)
      at += 64
    }
    if at < bytes.count { pending += bytes[at...] }
  }

  /// Adds `bytes` to the message.
  mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// The 16-byte digest of everything added.
  mutating func finish() -> [UInt8] {
    let bits = length &* 8
    var tail: [UInt8] = [0x80]
    tail += [UInt8](repeating: 0, count: (55 &- Int(length % 64) + 64) % 64)
    tail += (0..<8).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
    let saved = length
    update(tail)
    length = saved
    let words = [state.0, state.1, state.2, state.3]
    return words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
  }

  /// Runs the 64 steps over one 64-byte block.
  private mutating func compress(_ block: UnsafeRawPointer) {
    func word(_ g: Int) -> UInt32 {
      UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4 * g, as: UInt32.self))
    }
    var (a, b, c, d) = state
    for i in 0..<64 {
      let f: UInt32
      let g: Int
      switch i >> 4 {
      case 0:
        f = (b & c) | (~b & d)
        g = i
      case 1:
        f = (d & b) | (~d & c)
        g = (5 &* i &+ 1) & 15
      case 2:
        f = b ^ c ^ d
        g = (3 &* i &+ 5) & 15
      default:
        f = c ^ (b | ~d)
        g = (7 &* i) & 15
      }
      let shift = Self.shifts[(i >> 4) << 2 | i & 3]
      let sum = a &+ f &+ Self.constants[i] &+ word(g)
      (a, d, c) = (d, c, b)
      b = b &+ (sum << shift | sum >> (32 - shift))
    }
    state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
  }
}
