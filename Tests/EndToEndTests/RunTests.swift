import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// scripts/atk-run: the journalled pipeline, its resume, and crash safety.
///
/// The pipelines use Tests/Fixtures/copy-parts, a small shell filter that copies each file into
/// a few pieces the way atk tools write outputs; scripts/crashloop runs atk-convert and
/// atk-split.
@Suite struct RunTests {
  let dir: TemporaryDirectory
  let db: String
  static let atkRun = repositoryRoot + "/scripts/atk-run"
  static let copyParts = repositoryRoot + "/Tests/Fixtures/copy-parts"

  init() throws {
    dir = try TemporaryDirectory()
    db = dir.file("journal.db")
    try FileManager.default.createDirectory(
      atPath: dir.file("in/sub"), withIntermediateDirectories: true)
    for (i, name) in ["a.wav", "b c.wav", "sub/d.wav", "e.wav"].enumerated() {
      try TestAudio.writeWAV(dir.file("in/" + name), frames: 800 + 400 * i)
    }
  }

  func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ToolResult {
    try runTool(Self.atkRun, ["--db", db] + arguments, cwd: dir.path, environment: environment)
  }

  func status(_ session: String) throws -> Record? {
    try runTool("atk-journal", ["status", session, "--db", db, "--json"]).records.first
  }

  func files(in folder: String) throws -> [String: Data] {
    var result: [String: Data] = [:]
    let root = dir.file(folder)
    for name in try FileManager.default.subpathsOfDirectory(atPath: root) {
      var isFolder: ObjCBool = false
      let path = root + "/" + name
      if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
        result[name] = try Data(contentsOf: URL(fileURLWithPath: path))
      }
    }
    return result
  }

  @Test func runsThePipelineAndCompletes() throws {
    let result = try run(["-s", "one", "\(Self.copyParts) out 2", "in"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.records.count == 8)
    let state = try status("one")
    #expect(state?["status"] == "completed")
    #expect(state?["completed"] == 4)
    #expect(state?["scan_complete"] == true)
    #expect(
      state?["cwd"]?.stringValue == URL(fileURLWithPath: dir.path).resolvingSymlinksInPath().path
        || state?["cwd"]?.stringValue == dir.path)
    #expect(try files(in: "out").count == 8)
    let again = try run(["--resume", "one"])
    #expect(again.status == 2)
    #expect(again.stderr.contains("already complete"))
  }

  @Test func dryRunPrintsTheCommandsAndRunsNothing() throws {
    let result = try run([
      "--dry-run", "-s", "x", "--jobs", "2", "atk-convert wav -o 'my out'", "in", "it's.wav",
    ])
    #expect(result.status == 0)
    #expect(result.output.contains(#"atk-scan -- 'in' 'it'\''s.wav'"#))
    #expect(
      result.output.contains(
        #"parallel --will-cite --pipe --round-robin --line-buffer -N 1 -j 2 -- 'atk-convert wav -o '\''my out'\'''"#
      ))
    #expect(result.output.contains("atk-journal --db '\(db)' --pending -s \"$session\""))
    #expect(result.output.contains("session=$(atk-journal begin --db '\(db)' --session 'x' "))
    #expect(!FileManager.default.fileExists(atPath: db))
    let remote = try run(["-n", "--jobs", "4", "--sshlogin", "2/host1,2/host2", "cat", "in"])
    #expect(remote.output.contains("--sshlogin '2/host1,2/host2' --workdir '\(dir.path)'"))
  }

  @Test func failedOriginsAreReplayedOnlyWhenAsked() throws {
    let first = try run(
      ["-s", "f", "\(Self.copyParts) out", "in"], environment: ["COPY_FAIL": "b c"])
    #expect(first.status == 1)
    #expect(first.stderr.contains("--retry-failed"))
    #expect(try status("f")?["failed"] == 1)
    let refused = try run(["--resume", "f"])
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("--retry-failed"))
    let retried = try run(["--resume", "f", "--retry-failed"])
    #expect(retried.status == 0, "\(retried.stderr)")
    #expect(retried.stderr.contains("resuming session f: 3 of 4 origins complete, replaying 1"))
    #expect(try status("f")?["status"] == "completed")
    #expect(try files(in: "out").count == 4)
  }

  /// A file that failed at the scan is scanned again when retried, so fixing it on disk is
  /// enough (issue 6.5).
  @Test func retryFailedScansAFailedOriginAgain() throws {
    let broken = dir.file("in/b c.wav")
    let audio = try Data(contentsOf: URL(fileURLWithPath: broken))
    try Data().write(to: URL(fileURLWithPath: broken))
    let first = try run(["-s", "r", "\(Self.copyParts) out", "in"])
    #expect(first.status == 1, "\(first.stderr)")
    let shown = try runTool("atk-journal", ["show", "r", "--db", db, "--json"]).records
    #expect(
      shown.first { $0["origin"] == "in/b c.wav" }?["error"]?.objectValue?["code"] == "empty_file")
    try audio.write(to: URL(fileURLWithPath: broken))
    let retried = try run(["--resume", "r", "--retry-failed"])
    #expect(retried.status == 0, "\(retried.stderr)")
    #expect(!retried.stderr.contains("empty"), "\(retried.stderr)")
    #expect(try status("r")?["status"] == "completed")
    #expect(try status("r")?["failed"] == 0)
    #expect(try files(in: "out")["b c_1.wav"] == audio)
    // The replayed record is the new scan's, with the facts of the file as it is now.
    let outputs = try runTool("atk-journal", ["export", "r", "--db", db]).records
    #expect(outputs.count == 4)
  }

  /// `--resume --retry-failed` without a name takes the latest session with failed or
  /// incomplete origins, even one that finished `failed` (issue 6.6).
  @Test func retryFailedWithoutANameTakesTheLatestFailedSession() throws {
    #expect(try run(["-s", "done", "\(Self.copyParts) out0", "in"]).status == 0)
    let first = try run(
      ["-s", "f", "\(Self.copyParts) out", "in"], environment: ["COPY_FAIL": "b c"])
    #expect(first.status == 1)
    #expect(try status("f")?["status"] == "failed")
    let retried = try run(["--resume", "--retry-failed"])
    #expect(retried.status == 0, "\(retried.stderr)")
    #expect(retried.stderr.contains("resuming session f: 3 of 4 origins complete, replaying 1"))
    #expect(try status("f")?["status"] == "completed")
    // Nothing left to retry: a clear error, not a replay of a completed session.
    let none = try run(["--resume", "--retry-failed"])
    #expect(none.status == 2)
    #expect(none.stderr.contains("no session with failed or incomplete origins"), "\(none.stderr)")
  }

  @Test func jobsFanOutThroughParallelWithTheSameOutputs() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel") else { return }
    #expect(try run(["-s", "one", "\(Self.copyParts) out1 3", "in"]).status == 0)
    let fanned = try run(["-s", "two", "--jobs", "2", "\(Self.copyParts) out2 3", "in"])
    #expect(fanned.status == 0, "\(fanned.stderr)")
    #expect(try status("two")?["status"] == "completed")
    #expect(try files(in: "out1") == files(in: "out2"))
  }

  @Test func sigtermPausesTheSessionAndResumeFinishesIt() throws {
    let script = """
      COPY_DELAY=0.3 setsid "$1" --db "$2" -s t "$3 out 2" in >/dev/null 2>err &
      pid=$!
      sleep 1.5
      kill -TERM "$pid"
      wait "$pid"
      echo "status=$?"
      cat err
      """
    let stopped = try runTool(
      "/bin/sh", ["-c", script, "sh", Self.atkRun, db, Self.copyParts], cwd: dir.path)
    #expect(stopped.output.contains("status=143"), "\(stopped.output)")
    #expect(stopped.output.contains("--resume 't'"))
    #expect(try status("t")?["status"] == "paused")
    let leftovers = try files(in: "out").keys.filter { $0.hasSuffix(".atk-tmp") }
    let resumed = try run(["--resume"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("resuming session t:"))
    #expect(try status("t")?["status"] == "completed")
    let outputs = try files(in: "out")
    #expect(outputs.count == 8, "\(outputs.keys.sorted()) \(leftovers)")
  }

  /// Kills every process of a running atk-run with SIGKILL once 0, 1, 5 and 11 outputs exist,
  /// resumes, and checks the outputs against an uninterrupted run (see scripts/crashloop).
  @Test func survivesKill9AtDeterministicPoints() throws {
    let result = try runTool(
      repositoryRoot + "/scripts/crashloop", ["--files", "8", "--at-outputs", "0,1,5,11"],
      environment: ["ATK_BIN": toolDirectory])
    #expect(result.status == 0, "\(result.output) \(result.stderr)")
    #expect(result.output.contains("crashloop: 4 runs, 4 passed, 0 failed"), "\(result.stderr)")
  }

  @Test func usageErrors() throws {
    for arguments in [
      ["cat"], ["--bogus", "cat", "in"], ["--retry-failed", "cat", "in"],
      ["--jobs", "0", "cat", "in"],
      ["--resume", "s", "extra"],
    ] {
      let result = try run(arguments)
      #expect(result.status == 64, "\(arguments)")
      #expect(result.stdout.isEmpty)
    }
    #expect(try run(["--help"]).output.contains("usage: atk-run"))
  }
}
