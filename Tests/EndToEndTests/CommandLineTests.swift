import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// The command line every tool shares: option forms, value syntax, and the messages a person
/// sees for a mistake or at a terminal.
@Suite struct CommandLineTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  /// A one-second 8 kHz mono WAV in the test folder.
  func wav(_ name: String = "a.wav") throws -> String {
    try TestFiles.wav(dir.raw.appending(name), frames: 8000)
    return dir.file(name)
  }

  /// Runs `command` under `script`, so the tool's standard streams are a terminal, and returns
  /// what the terminal showed.
  func onTerminal(_ command: String, cwd: String? = nil) throws -> ToolResult {
    let quoted = "'" + command.replacingOccurrences(of: "'", with: "'\\''") + "'"
    return try runShell("script -qec \(quoted) /dev/null", cwd: cwd, timeout: 60)
  }

  // MARK: - Option forms

  @Test func attachedShortValuesWorkInEveryTool() throws {
    let source = try wav()
    let scan = try runTool("atk-scan", ["-j1", source], timeout: 60)
    #expect(scan.status == 0, "\(scan.stderr)")
    #expect(scan.records.count == 1)
    let convert = try runTool("atk-convert", ["flac", "-j1", "-o" + dir.file("c"), source])
    #expect(convert.status == 0, "\(convert.stderr)")
    #expect(TestFiles.exists(dir.raw.appending("c/a.flac")))
    let split = try runTool("atk-split", ["0.5", "-j2", "-o" + dir.file("s"), source])
    #expect(split.status == 0, "\(split.stderr)")
    #expect(split.records.count == 2)
    let db = dir.file("j.db")
    let tee = try runTool(
      "atk-journal", ["-sfirst", "--db", db], stdin: scan.output, timeout: 60)
    #expect(tee.status == 0, "\(tee.stderr)")
    let begin = try runTool(
      "atk-journal", ["begin", "-ssecond", "--db", db, "--pipeline", "x", "--cwd", dir.path])
    #expect(begin.status == 0, "\(begin.stderr)")
    let list = try runTool("atk-journal", ["list", "--db", db])
    #expect(list.output.contains("first"))
    #expect(list.output.contains("second"))
  }

  @Test func bundlesMayEndInAnOptionThatTakesAValue() throws {
    let source = try wav()
    for arguments in [["-qj1", source], ["-qj", "1", source], ["-vqj1", source]] {
      let result = try runTool("atk-scan", arguments, timeout: 60)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      #expect(result.records.count == 1)
    }
    let split = try runTool("atk-split", ["1", "-qo", dir.file("s"), source])
    #expect(split.status == 0, "\(split.stderr)")
    #expect(TestFiles.exists(dir.raw.appending("s/a_segment_001.wav")))
  }

  @Test func everythingAfterDoubleDashIsAPath() throws {
    let result = try runTool("atk-scan", ["--", "-j1"], timeout: 60)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.records.first?.path == RawPath("-j1"))
  }

  @Test func attachedOutputFolderKeepsItsBytes() throws {
    let source = try wav()
    let result = try runShell(
      #"atk-convert flac -o"$(printf 'out\377')" "\#(source)" && test -f "$(printf 'out\377')/a.flac" && echo found"#,
      cwd: dir.path, timeout: 60)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.output.hasSuffix("found\n"))
  }

  // MARK: - Values and their messages

  @Test(arguments: [
    (["-5", "c.wav"], "SECONDS must be greater than 0, not '-5'"),
    (["0", "c.wav"], "SECONDS must be greater than 0, not '0'"),
    (["1m", "c.wav"], "SECONDS must be a duration such as 90, 1.5, 30s, 1:30 or 1:02:03, not"),
    (["1:75", "c.wav"], "SECONDS must be a duration such as 90, 1.5, 30s, 1:30 or 1:02:03"),
    (["1e18", "c.wav"], "SECONDS must be a duration such as"),
    (["1e300", "c.wav"], "SECONDS must be a duration such as"),
    (["9223372036854775807", "c.wav"], "SECONDS must be at most 1000000000 seconds"),
    (["1", "--min-last", "-1", "c.wav"], "--min-last must be 0 or more, not '-1'"),
    (["1", "--min-last", "1e300", "c.wav"], "--min-last must be a duration such as"),
    (["1", "--min-last", "99999999999", "c.wav"], "--min-last must be at most 1000000000"),
  ])
  func splitValuesAreRejectedWithTheReason(arguments: [String], message: String) throws {
    let result = try runTool("atk-split", arguments, cwd: dir.path, timeout: 60)
    #expect(result.status == 64, "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.hasPrefix("atk-split: error: " + message), "\(result.stderr)")
  }

  @Test(arguments: [
    ("0.5", "0", 2), ("0.5s", "0", 2), ("00:00.25", "0", 4), ("0:00:00.25", "0s", 4),
    ("0.3", "0.2s", 3), ("0.3", "00:00.2", 3),
  ])
  func durationsAreTakenInEveryDocumentedForm(seconds: String, minLast: String, count: Int)
    throws
  {
    let source = try wav()
    let result = try runTool(
      "atk-split", [seconds, "--min-last", minLast, "-o", dir.file("out"), source])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.records.count == count)
  }

  @Test func bitRatesTakeAK() throws {
    let source = try wav()
    let result = try runTool(
      "atk-convert", ["mp3", "--bitrate", "32k", "-o", dir.file("o"), source])
    #expect(result.status == 0, "\(result.stderr)")
    let bad = try runTool("atk-convert", ["mp3", "--bitrate", "32kb", source], cwd: dir.path)
    #expect(bad.status == 64)
    #expect(
      bad.stderr.hasPrefix(
        "atk-convert: error: --bitrate must be a bit rate in kbit/s such as 192 or 192k, not '32kb'"
      ), "\(bad.stderr)")
  }

  @Test(arguments: ["atk-scan", "atk-convert", "atk-split"])
  func jobsAreBounded(tool: String) throws {
    let base = CommonBehaviourTests.arguments(for: tool, out: dir.file("out")) ?? []
    for value in ["0", "-1", "1025", "999999999999", "99999999999999999999999", "two"] {
      let start = Date()
      let result = try runTool(tool, base + ["-j", value], timeout: 30)
      #expect(result.status == 64, "-j \(value): \(result.stderr)")
      #expect(
        result.stderr.hasPrefix(
          "\(tool): error: --jobs must be a whole number from 1 to 1024, not '\(value)'"),
        "\(result.stderr)")
      #expect(Date().timeIntervalSince(start) < 20)
    }
    let most = try runTool(tool, base + ["--jobs=1024"], timeout: 60)
    #expect(most.status == 0, "\(most.stderr)")
  }

  @Test func jobsHelpStatesItsDefault() throws {
    #expect(try runTool("atk-scan", ["--help"]).output.contains("(default: 1)"))
    for tool in ["atk-convert", "atk-split"] {
      #expect(try runTool(tool, ["--help"]).output.contains("(default: the number of cores"))
    }
  }

  @Test(arguments: ManPageTests.tools)
  func argumentErrorsCarryTheToolsPrefix(tool: String) throws {
    let base = CommonBehaviourTests.arguments(for: tool, out: dir.file("out")) ?? []
    let result = try runTool(tool, base + ["--surely-not-an-option"], timeout: 60)
    #expect(result.status == 64)
    #expect(
      result.stderr.hasPrefix("\(tool): error: Unknown option '--surely-not-an-option'"),
      "\(result.stderr)")
    #expect(result.stderr.contains("Usage: \(tool)"))
  }

  // MARK: - atk-journal

  @Test func unknownSubcommandIsNamed() throws {
    let result = try runTool("atk-journal", ["delete", "b1"], timeout: 60)
    #expect(result.status == 64)
    #expect(
      result.stderr.hasPrefix(
        "atk-journal: error: unknown subcommand 'delete' (tee, list, show, pending, export, clean,"
      ), "\(result.stderr)")
    let late = try runTool("atk-journal", ["--db", dir.file("j.db"), "list"], timeout: 60)
    #expect(late.status == 64)
    #expect(
      late.stderr.hasPrefix("atk-journal: error: the subcommand 'list' goes first"),
      "\(late.stderr)")
  }

  @Test func cleanTakesOnlyUnambiguousUnits() throws {
    let db = dir.file("j.db")
    #expect(try runTool("atk-journal", ["-s", "s", "--db", db]).status == 0)
    for age in ["1m", "5M", "3y", "-1d", "1.5d", "d"] {
      let result = try runTool("atk-journal", ["clean", "--db", db, "--older-than", age])
      #expect(result.status == 64, "\(age): \(result.stderr)")
      #expect(
        result.stderr.hasPrefix(
          "atk-journal: error: --older-than must be an age such as 30min, 12h, 7d, 2w or 6mo"),
        "\(result.stderr)")
    }
    #expect(
      try runTool("atk-journal", ["clean", "--db", db, "--older-than", "1m"]).stderr.contains(
        "units: s, min, h, d, w, mo"))
    let huge = try runTool("atk-journal", ["clean", "--db", db, "--older-than", "99999999999w"])
    #expect(huge.status == 64)
    #expect(huge.stderr.hasPrefix("atk-journal: error: --older-than must be at most 1000000000"))
    for age in ["10min", "1h", "1d", "1w", "1mo", "7"] {
      let result = try runTool("atk-journal", ["clean", "--db", db, "--older-than", age])
      #expect(result.status == 0, "\(age): \(result.stderr)")
      #expect(result.output.isEmpty, "the session is new")
    }
  }

  // MARK: - Telling a person at a terminal what happens

  @Test(arguments: [
    (
      "atk-scan",
      "atk-scan: reading paths from the terminal; give paths or pipe them in; Ctrl-D to end"
    ),
    (
      "atk-convert wav",
      "atk-convert: reading records from the terminal; pipe atk-scan into me or give paths; Ctrl-D to end"
    ),
    (
      "atk-split 1",
      "atk-split: reading records from the terminal; pipe atk-scan into me or give paths; Ctrl-D to end"
    ),
  ])
  func aToolReadingTheTerminalSaysSo(command: String, hint: String) throws {
    let shown = try onTerminal(command, cwd: dir.path)
    #expect(shown.status == 0, "\(shown.output)")
    #expect(shown.output.contains(hint), "\(shown.output)")
    let quiet = try onTerminal(command + " -q", cwd: dir.path)
    #expect(!quiet.output.contains("from the terminal"), "\(quiet.output)")
    let piped = try onTerminal(command + " </dev/null", cwd: dir.path)
    #expect(!piped.output.contains("from the terminal"), "\(piped.output)")
  }

  @Test func theDefaultOutputFolderIsNamedAtTheEnd() throws {
    _ = try wav()
    let shown = try onTerminal("atk-split 1 a.wav >/dev/null", cwd: dir.path)
    #expect(shown.status == 0, "\(shown.output)")
    #expect(shown.output.contains("atk-split: outputs are below './atk-out' (no -o given)"))
    let quiet = try onTerminal("atk-convert flac -q a.wav >/dev/null", cwd: dir.path)
    #expect(!quiet.output.contains("outputs are below"), "\(quiet.output)")
    let chosen = try onTerminal("atk-convert flac -o mine a.wav >/dev/null", cwd: dir.path)
    #expect(!chosen.output.contains("outputs are below"), "\(chosen.output)")
    let notTerminal = try runTool("atk-convert", ["flac", "a.wav"], cwd: dir.path)
    #expect(notTerminal.status == 0)
    #expect(!notTerminal.stderr.contains("outputs are below"))
  }

  @Test func aCopiedFileIsNotedWithVerbose() throws {
    let source = try wav()
    let result = try runTool("atk-convert", ["wav", "-v", "-o", dir.file("o"), source])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains(
        "atk-convert: note: '\(source)': copied as it is: already wav at 8000 Hz, 1 ch"),
      "\(result.stderr)")
  }
}
