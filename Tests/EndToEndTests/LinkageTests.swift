import ATKTestSupport
import Foundation
import Testing

/// Each tool links the C libraries its modules use, and no others (see Package.swift).
///
/// What a binary links is its ELF `NEEDED` entries, as `readelf -d` lists them. `ldd` is no
/// use here: it lists what those libraries need in turn, and libsndfile itself needs
/// libmp3lame (for its own MP3 writing), so `ldd atk-scan` names libmp3lame however atk-scan
/// is built.
@Suite struct LinkageTests {
  /// The C libraries a tool must link, and those it must not.
  struct Expectation: Sendable, CustomTestStringConvertible {
    var tool: String
    var links: [String]
    var avoids: [String]
    var testDescription: String { tool }
  }

  static let expectations = [
    Expectation(
      tool: "atk-scan", links: ["libsndfile"], avoids: ["libmp3lame", "libsqlite3"]),
    Expectation(
      tool: "atk-convert", links: ["libsndfile", "libmp3lame", "libsoxr"],
      avoids: ["libsqlite3"]),
    Expectation(
      tool: "atk-split", links: ["libsndfile", "libmp3lame"], avoids: ["libsqlite3"]),
    Expectation(
      tool: "atk-journal", links: ["libsqlite3"],
      avoids: ["libsndfile", "libmp3lame", "libsoxr"]),
  ]

  /// The names (without `.so` and version) of the shared libraries `tool` itself links.
  static func neededLibraries(of tool: String) throws -> Set<String> {
    let result = try runTool("/usr/bin/readelf", ["-d", toolDirectory + "/" + tool], timeout: 60)
    #expect(result.status == 0, "readelf: \(result.stderr)")
    var names = Set<String>()
    for line in result.output.split(separator: "\n") where line.contains("(NEEDED)") {
      guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else {
        continue
      }
      let file = line[line.index(after: open)..<close]
      names.insert(String(file.prefix(while: { $0 != "." })))
    }
    return names
  }

  @Test(arguments: ManPageTests.tools)
  func everyToolIsListed(tool: String) {
    #expect(
      Self.expectations.contains { $0.tool == tool },
      "add \(tool)'s C libraries to LinkageTests.expectations")
  }

  @Test(arguments: expectations)
  func toolLinksOnlyItsLibraries(expectation: Expectation) throws {
    let needed = try Self.neededLibraries(of: expectation.tool)
    for library in expectation.links {
      #expect(needed.contains(library), "\(expectation.tool) links \(library)")
    }
    for library in expectation.avoids {
      #expect(!needed.contains(library), "\(expectation.tool) links no \(library)")
    }
  }
}
