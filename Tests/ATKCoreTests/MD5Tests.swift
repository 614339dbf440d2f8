import ATKTestSupport
import Foundation
import Testing

@testable import ATKAudio

/// The MD5 that checks FLAC signatures, against RFC 1321's test suite and md5sum(1).
@Suite struct MD5Tests {
  func hex(_ digest: [UInt8]) -> String { digest.map { String(format: "%02x", $0) }.joined() }

  @Test(arguments: [
    ("", "d41d8cd98f00b204e9800998ecf8427e"),
    ("a", "0cc175b9c0f1b6a831c399e269772661"),
    ("abc", "900150983cd24fb0d6963f7d28e17f72"),
    ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
    ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
    (
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
      "d174ab98d277d9f5a5611c2c9f419d9f"
    ),
    (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
  ])
  func rfc1321TestSuite(input: String, digest: String) {
    var md5 = MD5()
    md5.update(Array(input.utf8))
    #expect(hex(md5.finish()) == digest)
  }

  @Test func piecesOfAnySizeGiveWhatMd5sumGives() throws {
    var generator = DamagedAudio.Generator(seed: 42)
    let bytes = (0..<100_003).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let dir = try TemporaryDirectory()
    try Data(bytes).write(to: URL(fileURLWithPath: dir.file("data")))
    let md5sum = try runShell("md5sum '\(dir.file("data"))'")
    let expected = String(md5sum.output.prefix(32))
    try #require(md5sum.status == 0 && expected.count == 32)
    for piece in [1, 55, 56, 63, 64, 65, 4096, 100_003] {
      var md5 = MD5()
      var at = 0
      while at < bytes.count {
        md5.update(Array(bytes[at..<min(bytes.count, at + piece)]))
        at += piece
      }
      #expect(hex(md5.finish()) == expected, "pieces of \(piece)")
    }
  }
}
