import ATKRecords
import ATKTestSupport
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// What libsndfile and libmpg123 print behind atk's back: never on standard output, and on
/// standard error only as one prefixed warning per file (issues 6.9 and 7.7).
@Suite struct LibraryOutputTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  /// Ways to damage the side information of a mono MPEG-1 layer III frame so that libmpg123
  /// complains but still decodes every frame.
  enum Damage {
    /// big_values past 288 ("big_values too large!").
    case bigValues
    /// Window switching on with block type 0 ("Blocktype == 0 and window-switching == 1 not
    /// allowed.").
    case blockType

    /// Side-information bits (from the first after the frame header) set to 1 and to 0.
    var bits: (set: [Int], cleared: [Int]) {
      switch self {
      case .bigValues: (Array(30...38), [])
      case .blockType: ([51], [52, 53])
      }
    }
  }

  /// A 2 s mono 44.1 kHz CBR MP3 from `lame` whose frames 10, 20 and 30 carry `damage`.
  func damagedMP3(_ name: String, _ damage: Damage) throws -> String {
    let wav = dir.file(name + ".wav")
    let mp3 = dir.file(name + ".mp3")
    try TestAudio.writeWAV(
      wav, frames: 88200, sampleRate: 44100, signal: TestAudio.sine(440, sampleRate: 44100))
    let lame = try runShell("lame --quiet -b 128 -m m '\(wav)' '\(mp3)'")
    #expect(lame.status == 0, "\(lame.stderr)")
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: mp3)))
    var at = 0
    var index = 0
    while at + 4 <= bytes.count && bytes[at] == 0xFF {
      let length = 144 * 128_000 / 44100 + Int(bytes[at + 2] >> 1 & 1)
      if [10, 20, 30].contains(index) {
        for bit in damage.bits.set { bytes[at + 4 + bit / 8] |= 0x80 >> UInt8(bit % 8) }
        for bit in damage.bits.cleared { bytes[at + 4 + bit / 8] &= ~(0x80 >> UInt8(bit % 8)) }
      }
      at += length
      index += 1
    }
    try Data(bytes).write(to: URL(fileURLWithPath: mp3))
    return mp3
  }

  /// A clean MP3 of the same kind.
  func cleanMP3(_ name: String) throws -> String {
    let wav = dir.file(name + ".wav")
    let mp3 = dir.file(name + ".mp3")
    try TestAudio.writeWAV(
      wav, frames: 88200, sampleRate: 44100, signal: TestAudio.sine(330, sampleRate: 44100))
    let lame = try runShell("lame --quiet -b 128 -m m '\(wav)' '\(mp3)'")
    #expect(lame.status == 0, "\(lame.stderr)")
    return mp3
  }

  @Test func decoderMessagesBecomeOneWarningPerFileWithJobs() throws {
    let sides = try damagedMP3("sides", .bigValues)
    let blocks = try damagedMP3("blocks", .blockType)
    var inputs = [sides, blocks]
    for n in 0..<4 { inputs.insert(try cleanMP3("clean\(n)"), at: n % inputs.count) }
    let runs: [(tool: String, arguments: [String])] = [
      ("atk-scan", ["--verify", "-j", "3"]),
      ("atk-convert", ["wav", "-j", "3", "-o", dir.file("wav")]),
      ("atk-split", ["0.5", "-j", "3", "-o", dir.file("split")]),
    ]
    for run in runs {
      let result = try runTool(run.tool, run.arguments + inputs)
      #expect(result.status == 0, "\(run.tool): \(result.stderr)")
      #expect(result.records.allSatisfy { $0[Record.Key.status]?.stringValue == "ok" })
      let lines = result.stderr.split(separator: "\n").map(String.init)
      // Nothing raw from the library, and each damaged file named once, with its own message.
      #expect(lines.allSatisfy { $0.hasPrefix("\(run.tool): ") }, "\(run.tool): \(result.stderr)")
      let expected = [
        "\(run.tool): warning: '\(sides)': decoder: big_values too large! (5 more)",
        "\(run.tool): warning: '\(blocks)': decoder: "
          + "Blocktype == 0 and window-switching == 1 not allowed. (5 more)",
      ]
      #expect(lines.sorted() == expected.sorted(), "\(run.tool): \(result.stderr)")
      // --quiet hides them, as every warning.
      let quiet = try runTool(run.tool, run.arguments + ["-q"] + inputs)
      #expect(quiet.stderr == "", "\(run.tool) -q: \(quiet.stderr)")
    }
  }

  /// Whether this machine lets the tests mount a small tmpfs (root, with the right to mount).
  static let canMountTmpfs: Bool = {
    guard getuid() == 0, let scratch = try? TemporaryDirectory() else { return false }
    let probe = try? runShell(
      "mount -t tmpfs -o size=64k tmpfs '\(scratch.path)' && umount '\(scratch.path)'")
    return probe?.status == 0
  }()

  @Test(.enabled(if: canMountTmpfs, "mounting a 200 KiB tmpfs needs root and CAP_SYS_ADMIN"))
  func aFullDiskSaysSoAndKeepsStandardOutputRecords() throws {
    let full = dir.file("full")
    try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
    let mount = try runShell("mount -t tmpfs -o size=200k tmpfs '\(full)'")
    try #require(mount.status == 0, "\(mount.stderr)")
    defer { _ = try? runShell("umount '\(full)'") }

    let source = dir.file("noise.wav")
    try TestAudio.writeWAV(
      source, frames: 44100 * 5, sampleRate: 44100, channels: 2, signal: TestAudio.noise)
    let flac = try runTool("atk-convert", ["flac", "-o", dir.file("src"), source])
    let ogg = try runTool("atk-convert", ["ogg", "-o", dir.file("src"), source])
    #expect(flac.status == 0 && ogg.status == 0)
    let encoded = [dir.file("src/noise.flac"), dir.file("src/noise.ogg")]

    var failures = 0
    for filled in [120_000, 160_000, 190_000] {
      var runs: [(tool: String, arguments: [String])] = []
      for format in ["wav", "flac", "mp3", "ogg", "opus"] {
        runs.append(("atk-convert", [format, "-o", full + "/out", source]))
      }
      runs.append(("atk-split", ["0.5", "-o", full + "/out"] + encoded))
      for run in runs {
        _ = try runShell("rm -rf '\(full)'/* && head -c \(filled) /dev/zero > '\(full)/filler'")
        let result = try runTool(run.tool, run.arguments)
        let what = "\(run.tool) \(run.arguments.joined(separator: " ")) with \(filled) bytes used"
        for line in result.stdout.split(separator: 0x0A) {
          #expect((try? Record(line: Array(line))) != nil, "\(what): stdout: \(line)")
        }
        for record in result.records where record.isFailed {
          failures += 1
          let message = record.errorInfo?.message ?? ""
          #expect(
            message.lowercased().hasSuffix("no space left on device"), "\(what): \(message)")
        }
        #expect(!result.stderr.contains("libsndfile"), "\(what): \(result.stderr)")
        #expect(!result.stderr.contains("decoder."), "\(what): \(result.stderr)")
      }
    }
    #expect(failures >= 18)
  }
}
