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
    Self.constants.withUnsafeBufferPointer { k in
      func word(_ g: Int) -> UInt32 {
        UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4 &* g, as: UInt32.self))
      }
      var (a, b, c, d) = state
      /// One step: add the round's function of b, c, d, a constant and a word to a, rotate,
      /// add b, and turn the four words round.
      func step(_ f: UInt32, _ g: Int, _ i: Int, _ shift: UInt32) {
        let sum = a &+ f &+ k[i] &+ word(g)
        (a, d, c) = (d, c, b)
        b = b &+ (sum << shift | sum >> (32 &- shift))
      }
      for i in stride(from: 0, to: 16, by: 4) {
        step((b & c) | (~b & d), i, i, 7)
        step((b & c) | (~b & d), i &+ 1, i &+ 1, 12)
        step((b & c) | (~b & d), i &+ 2, i &+ 2, 17)
        step((b & c) | (~b & d), i &+ 3, i &+ 3, 22)
      }
      for i in stride(from: 16, to: 32, by: 4) {
        step((d & b) | (~d & c), (5 &* i &+ 1) & 15, i, 5)
        step((d & b) | (~d & c), (5 &* i &+ 6) & 15, i &+ 1, 9)
        step((d & b) | (~d & c), (5 &* i &+ 11) & 15, i &+ 2, 14)
        step((d & b) | (~d & c), (5 &* i &+ 16) & 15, i &+ 3, 20)
      }
      for i in stride(from: 32, to: 48, by: 4) {
        step(b ^ c ^ d, (3 &* i &+ 5) & 15, i, 4)
        step(b ^ c ^ d, (3 &* i &+ 8) & 15, i &+ 1, 11)
        step(b ^ c ^ d, (3 &* i &+ 11) & 15, i &+ 2, 16)
        step(b ^ c ^ d, (3 &* i &+ 14) & 15, i &+ 3, 23)
      }
      for i in stride(from: 48, to: 64, by: 4) {
        step(c ^ (b | ~d), (7 &* i) & 15, i, 6)
        step(c ^ (b | ~d), (7 &* i &+ 7) & 15, i &+ 1, 10)
        step(c ^ (b | ~d), (7 &* i &+ 14) & 15, i &+ 2, 15)
        step(c ^ (b | ~d), (7 &* i &+ 21) & 15, i &+ 3, 21)
      }
      state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
  }
}
