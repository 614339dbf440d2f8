import ATKRecords
import Foundation
import Testing

/// Checks man/atk-record.5 against the keys the code writes, so the page cannot fall behind.
@Suite struct ManualPageTests {
  /// The repository root, found from this file's path (Tests/ATKRecordsTests/ here).
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The lines of man/atk-record.5.
  static func recordPageLines() throws -> [Substring] {
    let url = root.appendingPathComponent("man/atk-record.5")
    let text = try String(contentsOf: url, encoding: .utf8)
    return text.split(separator: "\n", omittingEmptySubsequences: false)
  }

  @Test func everyKeyIsDocumented() throws {
    let lines = try Self.recordPageLines()
    // The KEYS section runs from `.Sh KEYS` to the next `.Sh`.
    guard let start = lines.firstIndex(of: ".Sh KEYS") else {
      Issue.record("man/atk-record.5 has no KEYS section")
      return
    }
    let end = lines[(start + 1)...].firstIndex { $0.hasPrefix(".Sh ") } ?? lines.endIndex
    // Each key gets its own entry there: `.It Cm <key> Pq <type; writers>`.
    let documented = Set(
      lines[start..<end].compactMap { line -> String? in
        let words = line.split(separator: " ")
        guard words.count >= 3, words[0] == ".It", words[1] == "Cm" else { return nil }
        return String(words[2])
      })
    for key in Record.Key.all {
      #expect(documented.contains(key), "man/atk-record.5 has no '.It Cm \(key)' entry")
    }
  }

  @Test func keysListIsComplete() {
    // Record.Key.all is what the page is checked against, so it must name every constant.
    #expect(Set(Record.Key.all).count == Record.Key.all.count, "Record.Key.all has duplicates")
    #expect(Record.Key.all.allSatisfy { $0 == $0.lowercased() && !$0.contains("-") })
  }
}
