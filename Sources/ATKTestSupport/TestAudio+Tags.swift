import Foundation

extension TestAudio {
  /// The bytes of a 16-bit PCM WAV (as `wav` makes it) with a LIST/INFO chunk holding `tags`,
  /// given as RIFF INFO ids and texts (`INAM` title, `IART` artist, `IPRD` album, ...).
  public static func taggedWAV(frames: Int, tags: [(id: String, text: String)]) -> [UInt8] {
    var wav = wav(frames: frames)
    func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    var info = Array("INFO".utf8)
    for (id, text) in tags {
      var value = Array(text.utf8) + [0]
      if value.count % 2 == 1 { value.append(0) }
      info += Array(id.utf8) + u32(value.count) + value
    }
    wav += Array("LIST".utf8) + u32(info.count) + info
    wav.replaceSubrange(4..<8, with: u32(wav.count - 8))
    return wav
  }

  /// Writes `taggedWAV(frames:tags:)` to `path`.
  public static func writeTaggedWAV(
    _ path: String, frames: Int, tags: [(id: String, text: String)]
  ) throws {
    try Data(taggedWAV(frames: frames, tags: tags)).write(to: URL(fileURLWithPath: path))
  }
}
