import ATKRecords
import Foundation
import Testing

/// Checks man/atk-record.5 against the keys and error codes the code writes, so the page cannot
/// fall behind.
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

  /// The names of the `.It Cm <name> ...` entries in the section `.Sh <section>` (up to the
  /// next `.Sh`); nil when the page has no such section.
  static func entries(inSection section: String) throws -> Set<String>? {
    let lines = try recordPageLines()
    guard let start = lines.firstIndex(of: ".Sh \(section)") else { return nil }
    let end = lines[(start + 1)...].firstIndex { $0.hasPrefix(".Sh ") } ?? lines.endIndex
    return Set(
      lines[start..<end].compactMap { line -> String? in
        let words = line.split(separator: " ")
        guard words.count >= 3, words[0] == ".It", words[1] == "Cm" else { return nil }
        return String(words[2])
      })
  }

  @Test func everyKeyIsDocumented() throws {
    // Each key gets its own entry in KEYS: `.It Cm <key> Pq <type; writers>`.
    guard let documented = try Self.entries(inSection: "KEYS") else {
      Issue.record("man/atk-record.5 has no KEYS section")
      return
    }
    for key in Record.Key.all {
      #expect(documented.contains(key), "man/atk-record.5 has no '.It Cm \(key)' entry")
    }
  }

  @Test func everyErrorCodeIsDocumentedAndEveryDocumentedCodeExists() throws {
    // Each code gets its own entry in ERROR CODES: `.It Cm <code>`.
    guard let documented = try Self.entries(inSection: "ERROR CODES") else {
      Issue.record("man/atk-record.5 has no ERROR CODES section")
      return
    }
    let codes = Set(ErrorCode.allCases.map(\.rawValue))
    for code in codes.subtracting(documented).sorted() {
      Issue.record("man/atk-record.5 has no '.It Cm \(code)' entry in ERROR CODES")
    }
    for code in documented.subtracting(codes).sorted() {
      Issue.record("man/atk-record.5 documents '\(code)', which is not an ErrorCode")
    }
    #expect(codes.allSatisfy { $0 == $0.lowercased() && !$0.contains("-") && !$0.contains(" ") })
  }

  @Test func keysListIsComplete() {
    // Record.Key.all is what the page is checked against, so it must name every constant.
    #expect(Set(Record.Key.all).count == Record.Key.all.count, "Record.Key.all has duplicates")
    #expect(Record.Key.all.allSatisfy { $0 == $0.lowercased() && !$0.contains("-") })
  }
}
