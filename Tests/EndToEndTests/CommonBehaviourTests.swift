import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// What every filter must do, checked on each `Sources/atk-*` executable alike.
@Suite struct CommonBehaviourTests {
  /// The smallest command line that makes each tool a filter writing below `out`.
  static func arguments(for tool: String, out: String) -> [String]? {
    switch tool {
    case "atk-scan": []
    case "atk-convert": ["wav", "-o", out]
    case "atk-split": ["1", "-o", out]
    case "atk-journal": ["--db", out + "/journal.db"]
    default: nil
    }
  }

  /// A scan record of a fresh 8000-frame WAV, as the line a tool reads.
  static func scannedLine(in dir: TemporaryDirectory, name: String) throws -> String {
    try TestFiles.wav(dir.raw.appending(name), frames: 8000)
    let scan = try runTool("atk-scan", [dir.file(name)], timeout: 60)
    #expect(scan.status == 0)
    return String(decoding: scan.stdout.dropLast(), as: UTF8.self)
  }

  @Test(arguments: ManPageTests.tools)
  func everyToolIsKnownHere(tool: String) {
    #expect(
      Self.arguments(for: tool, out: "/tmp") != nil,
      "add \(tool)'s minimal arguments to CommonBehaviourTests.arguments(for:out:)")
  }

  @Test(arguments: ManPageTests.tools)
  func versionMatchesTheOtherTools(tool: String) throws {
    let version = try runTool(tool, ["--version"], timeout: 60)
    let scan = try runTool("atk-scan", ["--version"], timeout: 60)
    #expect(version.status == 0)
    #expect(version.output == scan.output)
  }

  @Test(arguments: ManPageTests.tools)
  func unknownFlagExits64WithNothingOnStdout(tool: String) throws {
    let dir = try TemporaryDirectory()
    let base = try #require(Self.arguments(for: tool, out: dir.file("out")))
    let result = try runTool(tool, base + ["--surely-not-an-option"], stdin: "", timeout: 60)
    #expect(result.status == 64, "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: dir.file("out")), "nothing written")
  }

  /// atk-journal is a tee: it copies a bad line through byte for byte (and journals it with its
  /// line number) instead of turning it into a `bad_record` record; JournalTests checks that.
  @Test(arguments: ManPageTests.tools.filter { $0 != "atk-journal" })
  func badJSONLineInTheMiddle(tool: String) throws {
    let dir = try TemporaryDirectory()
    let base = try #require(Self.arguments(for: tool, out: dir.file("out")))
    let first = try Self.scannedLine(in: dir, name: "a.wav")
    let second = try Self.scannedLine(in: dir, name: "b.wav")
    let result = try runTool(
      tool, base, stdin: "\(first)\n{\"path\": nope\n\(second)\n", timeout: 120)
    #expect(result.status == 1, "\(result.stderr)")
    let records = result.records
    let bad = records.filter { $0.errorInfo?.code == "bad_record" }
    #expect(bad.count == 1)
    #expect(bad.first?["line"] == .int(2))
    #expect(records.contains { $0.origin == dir.raw.appending("a.wav") && !$0.isFailed })
    #expect(records.contains { $0.origin == dir.raw.appending("b.wav") && !$0.isFailed })
    #expect(result.stderr.contains("\(tool): error: line 2: "))
  }

  @Test(arguments: ManPageTests.tools)
  func failedRecordsFromUpstreamPassThroughUntouched(tool: String) throws {
    let dir = try TemporaryDirectory()
    let base = try #require(Self.arguments(for: tool, out: dir.file("out")))
    let failed =
      #"{"error":{"code":"truncated","message":"cut short"},"origin":"/src/x.wav","path":"/src/x.wav","status":"failed","step":"scan","zz":1}"#
    let result = try runTool(tool, base, stdin: failed + "\n", timeout: 60)
    #expect(result.status == 0, "an upstream failure is not this tool's: \(result.stderr)")
    #expect(result.output == failed + "\n")
  }

  @Test(arguments: ManPageTests.tools)
  func stdoutToDevFullExits2(tool: String) throws {
    let dir = try TemporaryDirectory()
    let base = try #require(Self.arguments(for: tool, out: dir.file("out")))
    let line = try Self.scannedLine(in: dir, name: "a.wav")
    let result = try runTool(tool, base, stdin: line + "\n", stdoutPath: "/dev/full", timeout: 60)
    #expect(result.status == 2, "\(result.stderr)")
    #expect(result.stderr.contains("\(tool): error: "))
  }

  @Test(arguments: ManPageTests.tools.filter { $0 != "atk-journal" })
  func missingAudioFileExits1(tool: String) throws {
    let dir = try TemporaryDirectory()
    let base = try #require(Self.arguments(for: tool, out: dir.file("out")))
    let record = #"{"origin":"\#(dir.file("gone.wav"))","path":"\#(dir.file("gone.wav"))"}"#
    let result = try runTool(tool, base, stdin: record + "\n", timeout: 60)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.records.count == 1)
    #expect(result.records.first?.isFailed == true)
    #expect(result.records.first?.origin == dir.raw.appending("gone.wav"))
    #expect(result.stderr.contains("'\(dir.file("gone.wav"))'"))
  }
}
