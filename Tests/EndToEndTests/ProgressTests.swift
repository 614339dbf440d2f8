import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// The progress line: one per pipeline, drawn by the tool at its end (or by atk-run for its
/// whole batch), on a terminal only unless asked for.
@Suite struct ProgressTests {
  let dir: TemporaryDirectory
  static let count = 30

  init() throws {
    dir = try TemporaryDirectory()
    try TestFiles.folder(dir.raw.appending("raw"))
    for i in 1...Self.count {
      try TestFiles.wav(dir.raw.appending("raw/f\(i).wav"), frames: 4000)
    }
  }

  /// Runs `command` (sh) under `script`, so its standard streams are a terminal, and returns
  /// what the terminal showed.
  func onTerminal(_ command: String, environment: [String: String] = [:]) throws -> ToolResult {
    let quoted = "'" + command.replacingOccurrences(of: "'", with: "'\\''") + "'"
    return try runShell(
      "script -qec \(quoted) /dev/null", cwd: dir.path, environment: environment, timeout: 120)
  }

  /// The progress lines `tool` drew on the screen `text` (each starts with `\r\e[K`).
  func progressLines(of tool: String, in text: String) -> [String] {
    text.components(separatedBy: "\r\u{1B}[K").filter { $0.hasPrefix("\(tool): ") }
      .map { $0.components(separatedBy: "\r")[0] }
      .filter { line in
        [": error: ", ": warning: ", ": note: "].allSatisfy { !line.contains($0) }
      }
  }

  /// Whether every line of `lines` reads as a tool's progress: `atk-split: 12 files, 1 failed,
  /// 3.4 files/s`, and there is one.
  func wellFormed(_ lines: [String], tool: String) -> Bool {
    !lines.isEmpty
      && lines.allSatisfy {
        $0.wholeMatch(of: /atk-[a-z]+: (1 file|\d+ files)(, \d+ failed)?(, \d+(\.\d)? files\/s)?/)
          != nil && $0.hasPrefix(tool + ": ")
      }
  }

  /// Records that reach the tool one at a time, a second apart, so each gets its own line.
  static let trickle =
    "atk-scan raw/f1.wav raw/f2.wav | while read -r r; do printf '%s\\n' \"$r\"; sleep 1; done"

  @Test func onlyTheEndOfAPipelineDraws() throws {
    let screen = try onTerminal(
      "atk-scan raw | atk-convert flac -o c | atk-split 0.2 -o s >/dev/null"
    ).output
    let split = progressLines(of: "atk-split", in: screen)
    #expect(wellFormed(split, tool: "atk-split"), "\(screen.debugDescription)")
    #expect(split.first == "atk-split: 1 file", "\(screen.debugDescription)")
    #expect(progressLines(of: "atk-convert", in: screen).isEmpty, "\(screen.debugDescription)")
    #expect(progressLines(of: "atk-scan", in: screen).isEmpty, "\(screen.debugDescription)")
    #expect(!screen.contains("records"), "\(screen.debugDescription)")
  }

  @Test func aToolWritingToAFileOrTheTerminalDraws() throws {
    let file = try onTerminal("\(Self.trickle) | atk-convert flac -o c >records.ndjson").output
    let lines = progressLines(of: "atk-convert", in: file)
    #expect(lines.count == 2, "\(file.debugDescription)")
    #expect(lines.first == "atk-convert: 1 file", "\(file.debugDescription)")
    // The second comes a second later, with the rate once a second has passed since the start.
    #expect(
      lines.last?.wholeMatch(of: /atk-convert: 2 files(, \d\.\d files\/s)?/) != nil,
      "\(file.debugDescription)")
    let screen = try onTerminal("atk-scan raw").output
    #expect(!progressLines(of: "atk-scan", in: screen).isEmpty, "\(screen.debugDescription)")
    // Records on the same terminal start on a line of their own, never after a progress line.
    for line in screen.components(separatedBy: "\n") where line.contains("\"path\"") {
      #expect(line.hasPrefix("{") || line.hasPrefix("\r\u{1B}[K{"), "\(line.debugDescription)")
    }
  }

  @Test func noProgressAndTheEnvironmentSilenceIt() throws {
    let command = "atk-scan raw | atk-convert flac -o c"
    let flag = try onTerminal(command + " --no-progress >/dev/null").output
    #expect(progressLines(of: "atk-convert", in: flag).isEmpty, "\(flag.debugDescription)")
    let environment = try onTerminal(
      command + " >/dev/null", environment: ["ATK_PROGRESS": "0"]
    ).output
    #expect(
      progressLines(of: "atk-convert", in: environment).isEmpty,
      "\(environment.debugDescription)")
    let last = try onTerminal(command + " --no-progress --progress >/dev/null").output
    #expect(!progressLines(of: "atk-convert", in: last).isEmpty, "the last flag wins")
  }

  @Test func progressForcesIt() throws {
    let middle = try onTerminal("atk-scan raw | atk-convert flac -o c --progress | cat >/dev/null")
      .output
    #expect(
      wellFormed(progressLines(of: "atk-convert", in: middle), tool: "atk-convert"),
      "\(middle.debugDescription)")
    let environment = try onTerminal(
      "atk-scan raw | atk-convert flac -o c --progress >/dev/null",
      environment: ["ATK_PROGRESS": "0"]
    ).output
    #expect(!progressLines(of: "atk-convert", in: environment).isEmpty, "the flag wins")
    // Asked for, it is drawn even when standard error is not a terminal.
    let file = try runTool(
      "atk-convert", ["flac", "-o", dir.file("c"), "--progress", dir.file("raw")])
    #expect(file.status == 0, "\(file.stderr)")
    #expect(
      wellFormed(progressLines(of: "atk-convert", in: file.stderr), tool: "atk-convert"),
      "\(file.stderr.debugDescription)")
    let quiet = try runTool("atk-convert", ["flac", "-o", dir.file("c"), dir.file("raw")])
    #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
  }

  @Test func theTextCountsFilesAndFailures() throws {
    let one = try runTool(
      "atk-convert", ["flac", "-o", dir.file("c"), "--progress", dir.file("raw/f1.wav")])
    #expect(progressLines(of: "atk-convert", in: one.stderr) == ["atk-convert: 1 file"])
    try TestFiles.folder(dir.raw.appending("bad"))
    try TestFiles.write(dir.raw.appending("bad/x.wav"), Array("not audio".utf8))
    try TestFiles.wav(dir.raw.appending("bad/y.wav"), frames: 800)
    let trickle = Self.trickle.replacingOccurrences(of: "raw/f1.wav", with: "bad/x.wav")
      .replacingOccurrences(of: "raw/f2.wav", with: "bad/y.wav")
    let failed = try runShell(
      "\(trickle) | atk-convert flac -o c --progress >/dev/null", cwd: dir.path)
    #expect(failed.status == 0)
    let lines = progressLines(of: "atk-convert", in: failed.stderr)
    #expect(lines.count == 2, "\(failed.stderr.debugDescription)")
    #expect(lines.first == "atk-convert: 1 file, 1 failed", "\(failed.stderr.debugDescription)")
    #expect(
      lines.last?.wholeMatch(of: /atk-convert: 2 files, 1 failed(, \d\.\d files\/s)?/) != nil,
      "\(failed.stderr.debugDescription)")
    // Failures from upstream count too: the end of the pipeline speaks for all of it.
    let piped = try runShell(
      "atk-scan bad | atk-split 1 -o s --progress >/dev/null", cwd: dir.path)
    #expect(
      progressLines(of: "atk-split", in: piped.stderr).first == "atk-split: 1 file, 1 failed",
      "\(piped.stderr.debugDescription)")
  }

  // MARK: - atk-run

  static let atkRun = repositoryRoot + "/scripts/atk-run"

  /// A pipeline that holds the records back for a while, so atk-run's line is drawn a few times.
  static let slowPipeline =
    "{ printf 'ATK_PROGRESS=%s\\n' \"$ATK_PROGRESS\" >&2; atk-convert flac -o out; } "
    + "| { sleep 1.5; cat; }"

  @Test func atkRunDrawsOneLineForTheBatch() throws {
    let quoted = "'" + Self.slowPipeline.replacingOccurrences(of: "'", with: "'\\''") + "'"
    let screen = try onTerminal("\(Self.atkRun) --db j.db -s p \(quoted) raw >/dev/null").output
    let lines = progressLines(of: "atk-run", in: screen)
    #expect(!lines.isEmpty, "\(screen.debugDescription)")
    for line in lines {
      #expect(
        line.wholeMatch(
          of:
            /atk-run: \d+ of \d+\+? files done(, \d+ failed)?(, [0-9.]+ files\/s)?(, ETA [0-9:]+)?/
        ) != nil, "\(line.debugDescription)")
    }
    #expect(lines.contains { $0.hasPrefix("atk-run: 0 of ") }, "\(lines)")
    // The line is cleared at the end, and the tools of the pipeline draw none of their own.
    #expect(screen.hasSuffix("\r\u{1B}[K"), "\(screen.debugDescription)")
    #expect(screen.contains("ATK_PROGRESS=0"))
    #expect(progressLines(of: "atk-convert", in: screen).isEmpty)
    let state = try runTool("atk-journal", ["status", "p", "--db", dir.file("j.db")])
    #expect(state.output.contains("completed, 30 of 30 origins"), "\(state.output)")
  }

  @Test func atkRunDrawsNoLineWhenToldOrNotOnATerminal() throws {
    let pipeline = "'atk-convert flac -o out | { sleep 1; cat; }'"
    let flag = try onTerminal("\(Self.atkRun) --db j.db --no-progress \(pipeline) raw >/dev/null")
    #expect(flag.status == 0, "\(flag.output)")
    #expect(progressLines(of: "atk-run", in: flag.output).isEmpty, "\(flag.output)")
    let environment = try onTerminal(
      "\(Self.atkRun) --db j.db \(pipeline) raw >/dev/null", environment: ["ATK_PROGRESS": "0"])
    #expect(progressLines(of: "atk-run", in: environment.output).isEmpty)
    let file = try runTool(
      Self.atkRun, ["--db", "j.db", "atk-convert flac -o out | { sleep 1; cat; }", "raw"],
      cwd: dir.path)
    #expect(file.status == 0, "\(file.stderr)")
    #expect(!file.stderr.contains("\u{1B}[K"), "\(file.stderr)")
    let forced = try runTool(
      Self.atkRun,
      ["--db", "j.db", "--progress", "atk-convert flac -o out | { sleep 1; cat; }", "raw"],
      cwd: dir.path)
    #expect(!progressLines(of: "atk-run", in: forced.stderr).isEmpty, "\(forced.stderr)")
  }
}
