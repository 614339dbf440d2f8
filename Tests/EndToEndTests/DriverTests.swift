import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// The shared filter driver, seen through atk-scan (the one tool that is built on main).
@Suite struct DriverTests {
  @Test func emptyInputIsFine() throws {
    let result = try runTool("atk-scan", [], stdin: "")
    #expect(result.status == 0)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr == "")
  }

  @Test func blankLinesAreSkippedButCounted() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("a.wav"))
    let input = "\n   \n\t\n\(dir.file("a.wav"))\n\n{oops\n"
    let result = try runTool("atk-scan", [], stdin: input)
    #expect(result.status == 1)
    #expect(summary(result) == ["a.wav ok", "- bad_record"])
    #expect(result.records.last?["line"] == .int(6))
    #expect(result.stderr.hasPrefix("atk-scan: error: line 6: "))
  }

  @Test func jsonAndPlainLinesMix() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("a.wav"))
    try TestFiles.wav(dir.raw.appending("b.wav"))
    let input = """
        {"path":"\(dir.file("a.wav"))","n":1}
      \(dir.file("b.wav"))

      """
    let result = try runTool("atk-scan", [], stdin: input)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.records.first?["n"] == .int(1), "leading blanks before '{' still make JSON")
    #expect(summary(result) == ["a.wav ok", "b.wav ok"])
  }

  @Test func recordWithoutPathFails() throws {
    let result = try runTool("atk-scan", [], stdin: "{\"x\":1}\n")
    #expect(result.status == 1)
    #expect(result.records.first?.errorInfo?.code == "bad_record")
    #expect(result.records.first?["x"] == .int(1))
    #expect(result.stderr == "atk-scan: error: line 1: record has no 'path'\n")
  }

  /// A record without `origin` or `relpath` gets them from the driver, before the stage sees
  /// it, whatever the tool (issue 8): `origin` is its `path`, `relpath` its last component.
  @Test(arguments: [
    ("atk-scan", [String]()), ("atk-convert", ["flac", "-o", "o"]),
    ("atk-split", ["0.5", "-o", "o"]),
  ])
  func theDriverSetsOriginAndRelpath(tool: String, arguments: [String]) throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("x.wav"), frames: 4000)
    try TestFiles.folder(dir.raw.appending("sub"))
    try TestFiles.wav(dir.raw.appending("sub/y.wav"), frames: 4000)
    let lines = [
      #"{"path":"x.wav"}"#, #"{"path":"sub/y.wav"}"#, #"{"path":"missing.wav"}"#,
      #"{"origin":"first.wav","path":"x.wav","relpath":"keep/x.wav"}"#,
    ]
    let input = lines.joined(separator: "\n") + "\n"
    let result = try runTool(tool, arguments, stdin: input, cwd: dir.path)
    #expect(result.status == 1, "\(result.stderr)")
    let step = String(tool.dropFirst(4))
    let byOrigin = Dictionary(grouping: result.records) { $0.origin?.display ?? "none" }
    #expect(byOrigin.keys.sorted() == ["first.wav", "missing.wav", "sub/y.wav", "x.wav"])
    for record in result.records {
      #expect(record["step"]?.stringValue == step, "\(record.jsonLine)")
      #expect(record.relpath != nil, "\(record.jsonLine)")
    }
    let missing = byOrigin["missing.wav"]?.first
    #expect(missing?.errorInfo?.code == "not_found")
    #expect(missing?.relpath == RawPath("missing.wav"), "\(missing?.jsonLine ?? "")")
    let relpaths = (byOrigin["sub/y.wav"] ?? []).compactMap { $0.relpath?.display }
    let kept = (byOrigin["first.wav"] ?? []).compactMap { $0.relpath?.display }
    switch tool {
    case "atk-scan":
      #expect(relpaths == ["y.wav"])
      #expect(kept == ["keep/x.wav"])
    case "atk-convert":
      #expect(relpaths == ["y.flac"])
      #expect(kept == ["keep/x.flac"])
    default:
      #expect(relpaths == ["y_segment_001.wav"])
      #expect(kept == ["keep/x_segment_001.wav"])
    }
  }

  @Test func failureIsSticky() throws {
    let dir = try TemporaryDirectory()
    var input = "{bad\n"
    for i in 0..<5 {
      try TestFiles.wav(dir.raw.appending("\(i).wav"), frames: 80)
      input += dir.file("\(i).wav") + "\n"
    }
    let result = try runTool("atk-scan", [], stdin: input)
    #expect(result.status == 1)
    #expect(result.records.count == 6)
  }

  @Test(arguments: [1, 2, 4])
  func jobsKeepInputOrderForRecordsAndDiagnostics(jobs: Int) throws {
    let dir = try TemporaryDirectory()
    var input = ""
    var expected: [String] = []
    for i in 0..<40 {
      let name = String(format: "%02d.wav", i)
      switch i % 5 {
      case 0: try TestFiles.write(dir.raw.appending(name), [])
      case 3: break  // missing
      default: try TestFiles.wav(dir.raw.appending(name), frames: 80 * (i + 1))
      }
      input += dir.file(name) + "\n"
      expected.append(name + [" empty_file", " ok", " ok", " not_found", " ok"][i % 5])
    }
    let result = try runTool("atk-scan", ["--jobs", "\(jobs)"], stdin: input)
    #expect(result.status == 1)
    #expect(summary(result) == expected)
    let named = result.stderr.split(separator: "\n").map { line in
      String(line.split(separator: "'")[1].split(separator: "/").last!)
    }
    #expect(named == expected.filter { !$0.hasSuffix(" ok") }.map { String($0.prefix(6)) })
    #expect(
      result.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("atk-scan: error: line ") })
  }

  @Test func unbufferedGivesTheSameBytes() throws {
    let dir = try TemporaryDirectory()
    try goodTree(dir)
    let buffered = try runTool("atk-scan", [dir.path])
    let unbuffered = try runTool("atk-scan", ["--unbuffered", dir.path])
    #expect(unbuffered.stdout == buffered.stdout)
  }

  @Test func quietHidesNoErrors() throws {
    let dir = try TemporaryDirectory()
    let result = try runTool("atk-scan", ["--quiet", dir.file("missing.wav")])
    #expect(result.status == 1)
    #expect(result.stderr.contains("error:"))
  }

  @Test func unreadableStandardInputIsTrouble() throws {
    // A folder opens as standard input but cannot be read (EISDIR).
    let result = try runShell("atk-scan < /")
    #expect(result.status == 2)
    #expect(result.stderr.contains("atk-scan: error: cannot read standard input"))
  }

  @Test func plainLineNamingAFolderIsWalked() throws {
    let dir = try TemporaryDirectory()
    try goodTree(dir)
    try TestFiles.link(dir.raw.appending("a/loop"), to: ".")
    let result = try runTool("atk-scan", [], stdin: "\n\(dir.path)\n")
    #expect(result.status == 1)
    #expect(summary(result) == ["a/loop symlink_loop", "a/one.wav ok", "a/two.wav ok", "b.wav ok"])
    #expect(result.stderr.hasPrefix("atk-scan: error: line 2: '\(dir.path)/a/loop': "))
  }

  @Test func finishedRecordsAreFlushedWhileWaitingForInput() throws {
    // `head -1` can only exit (and make the next write fail with SIGPIPE, status 141) if the
    // first record reached it while atk-scan was still waiting for the second line.
    // (env --default-signal: a test elsewhere in this process may have ignored SIGPIPE, and
    // ignored signals stay ignored across exec.)
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("a.wav"))
    let a = dir.file("a.wav")
    let result = try runTool(
      "/bin/bash",
      [
        "-c",
        "(echo '\(a)'; sleep 1; echo '\(a)') | env --default-signal=PIPE atk-scan | head -1 >/dev/null; echo ${PIPESTATUS[1]}",
      ],
      timeout: 60)
    #expect(result.output == "141\n", "\(result.stderr)")
  }

  @Test func sigtermStopsTheToolWithStatus143() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("a.wav"))
    // The input stays open (a FIFO held by the shell), so atk-scan is blocked in read(2)
    // after the first record when the signal comes.
    let script = """
      cd '\(dir.path)'
      mkfifo input
      atk-scan < input > out &
      pid=$!
      # A watchdog, so a tool that ignores the signal cannot outlive the test. It ends as soon
      # as the tool does: a leftover child would hold runTool's wait.
      (for i in $(seq 200); do kill -0 $pid 2>/dev/null || exit 0; sleep 0.1; done
       kill -KILL $pid) 2>/dev/null &
      exec 3> input
      echo '\(dir.file("a.wav"))' >&3
      sleep 1
      kill -TERM $pid
      wait $pid
      status=$?
      exec 3>&-
      echo $status
      """
    let stopped = try runTool("/bin/bash", ["-c", script], timeout: 60)
    #expect(stopped.output.hasSuffix("143\n"), "\(stopped.output) \(stopped.stderr)")
    let written = TestFiles.read(RawPath(dir.file("out"))) ?? []
    #expect(
      String(decoding: written, as: UTF8.self).contains("\"frames\":800"),
      "the finished record is written")
  }
}
