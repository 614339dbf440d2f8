import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// atk-journal run as a program: the tee at both ends of a pipeline, its subcommands, and the
/// databases it must refuse to touch.
@Suite struct JournalTests {
  let dir: TemporaryDirectory
  let db: String

  init() throws {
    dir = try TemporaryDirectory()
    db = dir.file("journal.db")
  }

  /// Runs atk-journal: `subcommand` first (if any), then `--db`, then `arguments`.
  func journal(_ subcommand: String?, _ arguments: [String] = [], stdin: String = "")
    throws -> ToolResult
  {
    try runTool(
      "atk-journal", (subcommand.map { [$0] } ?? []) + ["--db", db] + arguments, stdin: stdin)
  }

  func originsByStatus(_ session: String) throws -> [String: String] {
    var result: [String: String] = [:]
    for record in try journal("show", [session, "--json"]).records {
      if let origin = record["origin"]?.stringValue, let status = record["status"]?.stringValue {
        result[origin] = status
      }
    }
    return result
  }

  static func line(_ origin: String, part: [(Int, Int)] = [], failed: Bool = false) -> String {
    var record = Record(["origin": .string(origin), "path": .string("out/\(origin)")])
    record.part = part.map { Record.Part(index: Int64($0.0), count: Int64($0.1)) }
    if failed {
      // A code atk does not write: the journal keeps whatever code an upstream tool gave.
      record["status"] = "failed"
      record["error"] = .object(["code": "test", "message": "broken"])
      record["step"] = "test"
    }
    return record.jsonLine
  }

  @Test func teeCopiesEveryByte() throws {
    let input =
      #"{"origin":"a.wav", "path":"a.wav","x":[1, 2.50]}"# + "\n"
      + #"{"path":"b.wav","origin":"b.wav","unknown":{"k":"\u00e9"}}"# + "\n"
    let head = try journal(nil, ["--pending", "-s", "s"], stdin: input)
    #expect(head.status == 0)
    #expect(head.output == input)
    let tail = try journal(nil, ["-s", "s"], stdin: input)
    #expect(tail.status == 0)
    #expect(tail.output == input)
  }

  @Test func headRegistersPendingRecordsForReplay() throws {
    let input = ["a.wav", "b.wav", "c.wav"].map { Self.line($0) }.joined(separator: "\n") + "\n"
    #expect(try journal(nil, ["--pending", "-s", "s"], stdin: input).status == 0)
    #expect(try journal("pending", ["s"]).output == input)
    let status = try journal("status", ["s", "--json"]).records.first
    #expect(status?["pending"] == 3)
    #expect(status?["status"] == "in_progress")
    // --only-new drops what the session knows.
    let again = try journal(
      nil, ["--pending", "--only-new", "-s", "s"], stdin: input + Self.line("d.wav") + "\n")
    #expect(again.output == Self.line("d.wav") + "\n")
  }

  @Test func tailCompletesOriginsFromPartsInAnyOrder() throws {
    let head = ["a", "b", "c", "d"].map { Self.line($0) }.joined(separator: "\n") + "\n"
    #expect(try journal(nil, ["--pending", "-s", "s"], stdin: head).status == 0)
    // Interleaved as parallel workers would: a is split twice (one piece failed before the
    // second split), b misses a piece, c is whole, d was dropped by a filter.
    let outputs =
      [
        Self.line("a", part: [(2, 2), (1, 3)]),
        Self.line("b", part: [(1, 3)]),
        Self.line("a", part: [(1, 2)], failed: true),
        Self.line("c"),
        Self.line("a", part: [(2, 2), (3, 3)]),
        Self.line("b", part: [(3, 3)]),
        #"{"dropped":"silent","origin":"d","path":"d"}"#,
        Self.line("a", part: [(2, 2), (2, 3)]),
      ].joined(separator: "\n") + "\n"
    let tail = try journal(nil, ["-s", "s"], stdin: outputs)
    #expect(tail.status == 0)
    #expect(tail.output == outputs)
    #expect(
      try originsByStatus("s") == [
        "a": "failed", "b": "pending", "c": "completed", "d": "completed",
      ])
    #expect(try journal("pending", ["s"]).output == Self.line("b") + "\n")
    #expect(
      try journal("pending", ["s", "--failed"]).output == Self.line("a") + "\n" + Self.line("b")
        + "\n")
    let shown = try journal("show", ["s", "--json"]).records
    let a = shown.first { $0["origin"] == "a" }
    #expect(a?["error"]?.objectValue?["code"] == "test")
    #expect(try journal("status", ["s", "--json"]).records.first?["status"] == "in_progress")
    // The missing piece arrives later, from another process.
    #expect(
      try journal(nil, ["-s", "s"], stdin: Self.line("b", part: [(2, 3)]) + "\n").status == 0)
    #expect(try originsByStatus("s")["b"] == "completed")
    #expect(try journal("status", ["s", "--json"]).records.first?["status"] == "failed")
  }

  @Test func replayedOutputsAreNeverDuplicated() throws {
    let outputs =
      [Self.line("a", part: [(1, 2)]), Self.line("a", part: [(2, 2)]), Self.line("b")]
      .joined(separator: "\n") + "\n"
    for _ in 0..<3 { #expect(try journal(nil, ["-s", "s"], stdin: outputs).status == 0) }
    let exported = try journal("export", ["s"]).output.split(separator: "\n")
    #expect(exported.count == 3)
    #expect(Set(exported).count == 3)
    #expect(try originsByStatus("s") == ["a": "completed", "b": "completed"])
    // An origin first seen at the tail replays as a bare path.
    #expect(
      try journal(nil, ["-s", "t"], stdin: Self.line("x", part: [(1, 2)]) + "\n").status == 0)
    #expect(try journal("pending", ["t"]).output == #"{"origin":"x","path":"x"}"# + "\n")
  }

  @Test func malformedLinesAreJournaledAndTheStreamGoesOn() throws {
    let input =
      Self.line("a") + "\n" + "{\"origin\": broken\n" + Self.line("b") + "\n"
      + #"{"error":{"code":"bad_record","message":"invalid JSON"},"status":"failed"}"# + "\n"
    let tail = try journal(nil, ["-s", "s"], stdin: input)
    #expect(tail.status == 1)
    #expect(tail.output == input)
    #expect(tail.stderr.contains("line 2:"))
    let bad = try journal("show", ["s", "--json"]).records.filter { $0["bad_line"] != nil }
    #expect(bad.map { $0["bad_line"] } == [2, 4])
    #expect(bad.last?["error"]?.stringValue?.contains("bad_record") == true)
    #expect(try originsByStatus("s") == ["a": "completed", "b": "completed"])
  }

  @Test func aNewSessionIsNamedOnStandardError() throws {
    let result = try journal(nil, [], stdin: Self.line("a") + "\n")
    #expect(result.status == 0)
    let name = try #require(
      result.stderr.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
    #expect(name.wholeMatch(of: /\d{8}-\d{6}-[0-9a-f]{4}/) != nil)
    #expect(try journal("list", ["--json"]).records.first?["name"]?.stringValue == name)
  }

  @Test func twoWritersOnOneDatabaseLoseNothing() throws {
    let count = 20_000
    for name in ["one", "two"] {
      let lines = (0..<count).map { Self.line("\(name)/\($0).wav") }.joined(separator: "\n") + "\n"
      try Data(lines.utf8).write(to: URL(fileURLWithPath: dir.file(name)))
    }
    // Small batches, so the two processes contend for the lock all the time; the heads and
    // tails of the same session also write at once.
    let script = """
      pids=
      for s in one two; do
        atk-journal --db "$1" --pending -s "$s" --checkpoint-interval 7 <"$2/$s" >/dev/null 2>"$2/$s.head.err" &
        pids="$pids $!"
        atk-journal --db "$1" -s "$s" --checkpoint-interval 5 <"$2/$s" >/dev/null 2>"$2/$s.tail.err" &
        pids="$pids $!"
      done
      failed=0
      for pid in $pids; do wait "$pid" || failed=$((failed + 1)); done
      cat "$2"/*.err
      echo "failed=$failed"
      """
    let result = try runTool("/bin/sh", ["-c", script, "sh", db, dir.path])
    #expect(result.output.contains("failed=0"))
    #expect(!result.output.contains("locked"))
    for name in ["one", "two"] {
      let status = try journal("status", [name, "--json"]).records.first
      #expect(status?["origins"] == .int(Int64(count)))
      #expect(status?["completed"] == .int(Int64(count)))
      #expect(status?["outputs"] == .int(Int64(count)))
    }
  }

  @Test func checkpointsWhileInputIsIdle() throws {
    // The record must be committed while the producer still holds the pipe open.
    let script = """
      { printf '%s\\n' "$2"; sleep 2; } | atk-journal --db "$1" -s s >/dev/null &
      sleep 0.8
      atk-journal status s --db "$1" --json
      wait
      """
    let result = try runTool("/bin/sh", ["-c", script, "sh", db, Self.line("a")])
    #expect(result.records.first?["completed"] == 1)
  }

  @Test func signalCommitsAndPausesTheSession() throws {
    // Through a FIFO, so that `wait` waits for the journal alone, not for the producer.
    let script = """
      mkfifo "$5"
      { printf '%s\\n%s\\n' "$2" "$3"; exec sleep 6; } >"$5" &
      producer=$!
      atk-journal --db "$1" -s s <"$5" >/dev/null &
      pid=$!
      sleep 1
      kill -TERM "$pid"
      wait "$pid"
      echo "status=$?"
      kill "$producer"
      """
    let start = Date()
    let result = try runTool(
      "/bin/sh",
      ["-c", script, "sh", db, Self.line("a"), Self.line("b"), "", dir.file("fifo")])
    #expect(result.output.contains("status=143"))
    #expect(Date().timeIntervalSince(start) < 5.5)
    #expect(try originsByStatus("s") == ["a": "completed", "b": "completed"])
    #expect(try journal("status", ["s", "--json"]).records.first?["status"] == "paused")
  }

  @Test func listShowAndClean() throws {
    #expect(try journal(nil, ["-s", "old"], stdin: Self.line("a") + "\n").status == 0)
    let list = try journal("list")
    #expect(list.status == 0)
    #expect(list.output.contains("old"))
    #expect(try journal("show", ["old"]).output.contains("completed  a"))
    #expect(try journal("show", ["missing"]).status == 2)
    let dry = try journal("clean", ["--older-than", "0s", "--dry-run"])
    #expect(dry.output.hasPrefix("would remove old"))
    #expect(try journal("list", ["--json"]).records.count == 1)
    #expect(try journal("clean", ["--older-than", "7d"]).output.isEmpty)
    #expect(try journal("clean", ["--older-than", "0s"]).output.hasPrefix("removed old"))
    #expect(try journal("list", ["--json"]).records.isEmpty)
    #expect(try journal("clean", ["--older-than", "soon"]).status == 64)
  }

  /// A tee reading from a FIFO in the background, so a test can act while it runs.
  struct RunningTee {
    let fifo: String
    let status: String

    /// Starts `atk-journal --db DB ARGS` reading `fifo`; `feed` writes lines into it later.
    init(db: String, arguments: [String], in dir: TemporaryDirectory, name: String) throws {
      fifo = dir.file(name + ".fifo")
      status = dir.file(name + ".status")
      let quoted = arguments.map { "'\($0)'" }.joined(separator: " ")
      // The shell holds the FIFO open for writing (fd 9) until `finish`, then waits for the tee.
      let script = """
        mkfifo "$1"
        { atk-journal --db "$2" \(quoted) <"$1" >/dev/null 2>"$3.err"; echo $? >"$3"; } &
        exec 9>"$1"
        while [ ! -e "$1.done" ]; do sleep 0.05; cat "$1.in" 2>/dev/null >&9 && rm -f "$1.in"; done
        exec 9>&-
        wait
        """
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", script, "sh", fifo, db, status]
      var env = ProcessInfo.processInfo.environment
      env["PATH"] = toolDirectory + ":" + (env["PATH"] ?? "/usr/bin:/bin")
      process.environment = env
      try process.run()
      while !FileManager.default.fileExists(atPath: fifo) { usleep(20_000) }
    }

    /// Hands `text` to the tee and waits until it was taken.
    func feed(_ text: String) throws {
      try Data(text.utf8).write(to: URL(fileURLWithPath: fifo + ".tmp"))
      rename(fifo + ".tmp", fifo + ".in")
      while FileManager.default.fileExists(atPath: fifo + ".in") { usleep(20_000) }
      usleep(400_000)  // the tee commits within its 200 ms checkpoint
    }

    /// Ends the tee's input and returns its exit status and standard error.
    func finish() throws -> (Int32, String) {
      _ = FileManager.default.createFile(atPath: fifo + ".done", contents: nil)
      let deadline = Date().addingTimeInterval(30)
      while !FileManager.default.fileExists(atPath: status), Date() < deadline {
        usleep(50_000)
      }
      let code =
        (try? String(contentsOfFile: status, encoding: .utf8))
        .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? -1
      let err = (try? String(contentsOfFile: status + ".err", encoding: .utf8)) ?? ""
      return (code, err)
    }
  }

  /// `clean` never removes a session a tee is writing; the tee's later rows stay in it
  /// (issue 7.10).
  @Test func cleanKeepsASessionBeingWritten() throws {
    let tee = try RunningTee(db: db, arguments: ["-s", "live"], in: dir, name: "live")
    try tee.feed(Self.line("a") + "\n")
    #expect(try journal(nil, ["-s", "idle"], stdin: Self.line("x") + "\n").status == 0)
    let clean = try journal("clean", ["--older-than", "0s"])
    #expect(clean.status == 0, "\(clean.stderr)")
    #expect(clean.output.contains("removed idle"))
    #expect(!clean.output.contains("live"), "\(clean.output)")
    #expect(clean.stderr.contains("'live'") && clean.stderr.contains("being written"))
    try tee.feed(Self.line("b") + "\n")
    let (status, err) = try tee.finish()
    #expect(status == 0, "\(err)")
    #expect(try originsByStatus("live") == ["a": "completed", "b": "completed"])
    // Once the tee is gone, the session can go, with every row of it.
    #expect(try journal("clean", ["--older-than", "0s"]).output.contains("removed live"))
    let orphans = try runTool(
      "/usr/bin/sqlite3",
      [db, "SELECT count(*) FROM origins WHERE session NOT IN (SELECT id FROM sessions)"])
    #expect(orphans.output == "0\n", "\(orphans.stderr)")
  }

  /// A session removed behind a tee's back (by an older atk, or by hand) makes the tee fail
  /// instead of writing rows that belong to no session, which a new session would inherit.
  @Test func rowsOfARemovedSessionAreNeverWritten() throws {
    let tee = try RunningTee(db: db, arguments: ["-s", "gone"], in: dir, name: "gone")
    try tee.feed(Self.line("a") + "\n")
    let removed = try runTool(
      "/usr/bin/sqlite3",
      [
        "-cmd", ".timeout 5000", db,
        "DELETE FROM outputs; DELETE FROM origins; DELETE FROM bad_lines; DELETE FROM sessions;",
      ])
    #expect(removed.status == 0, "\(removed.stderr)")
    try tee.feed(Self.line("b") + "\n")
    let (status, err) = try tee.finish()
    #expect(status == 2, "\(err)")
    #expect(err.contains("'gone'"), "\(err)")
    #expect(try journal(nil, ["-s", "new"], stdin: Self.line("c") + "\n").status == 0)
    #expect(try originsByStatus("new") == ["c": "completed"])
    let orphans = try runTool(
      "/usr/bin/sqlite3",
      [db, "SELECT count(*) FROM origins WHERE session NOT IN (SELECT id FROM sessions)"])
    #expect(orphans.output == "0\n", "\(orphans.stderr)")
  }

  /// A record cut short by `kill -9` of the head is a bad line until its origin is replayed;
  /// then it is stale and goes (issue 7.12). A line that was bad for other reasons stays.
  @Test func aCutRecordIsForgottenOnceItsOriginCompletes() throws {
    let records = ["a", "b", "c"].map {
      Record([
        "origin": .string("in/\($0).wav"), "path": .string("in/\($0).wav"),
        "relpath": .string("\($0).wav"), "frames": 800,
      ]).jsonLine
    }
    #expect(
      try journal(nil, ["--pending", "-s", "s"], stdin: records.joined(separator: "\n") + "\n")
        .status == 0)
    // The head died while writing c's record: a middle tool reads the cut line at the end of
    // its input and passes it on as a bad_record, which the tail keeps as a bad line.
    let cut = String(records[2].prefix(30))
    let middle = try runTool("atk-split", ["1", "-o", dir.file("out")], stdin: cut)
    #expect(middle.records.first?["error"]?.objectValue?["code"] == "bad_record")
    let tail = try journal(
      nil, ["-s", "s"],
      stdin: Self.line("in/a.wav") + "\n" + Self.line("in/b.wav") + "\n" + "{\"origin\": broken\n"
        + middle.output)
    #expect(tail.status == 1)
    #expect(try journal("status", ["s", "--json"]).records.first?["bad_lines"] == 2)
    // The resume replays c, which completes: the cut line was only a piece of it.
    #expect(try journal(nil, ["-s", "s"], stdin: Self.line("in/c.wav") + "\n").status == 0)
    let bad = try journal("show", ["s", "--json"]).records.filter { $0["bad_line"] != nil }
    #expect(bad.count == 1, "\(bad)")
    #expect(bad.first?["text"]?.stringValue?.contains("broken") == true)
    #expect(try journal("status", ["s", "--json"]).records.first?["status"] == "completed")
  }

  /// The read-only subcommands work on a journal on a read-only mount, and leave nothing
  /// beside it (issue 7.11).
  @Test(.enabled(if: JournalTests.canMountTmpfs, "mounting a tmpfs needs root (CAP_SYS_ADMIN)"))
  func readOnlySubcommandsWorkOnAReadOnlyMount() throws {
    let mount = dir.file("ro")
    try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
    #expect(try runShell("mount -t tmpfs tmpfs '\(mount)'").status == 0)
    defer { _ = try? runShell("umount '\(mount)'") }
    let path = mount + "/journal.db"
    let head = try runTool(
      "atk-journal", ["--db", path, "--pending", "-s", "s"],
      stdin: Self.line("a") + "\n" + Self.line("b") + "\n")
    #expect(head.status == 0)
    #expect(
      try runTool("atk-journal", ["--db", path, "-s", "s"], stdin: Self.line("a") + "\n")
        .status == 0)
    #expect(try runShell("mount -o remount,ro '\(mount)'").status == 0)
    for arguments in [
      ["list"], ["show", "s"], ["status", "s"], ["status"], ["export", "s"], ["pending", "s"],
      ["clean", "--older-than", "0s", "--dry-run"],
    ] {
      let result = try runTool("atk-journal", arguments + ["--db", path])
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      #expect(!result.stdout.isEmpty, "\(arguments)")
    }
    #expect(
      try runTool("atk-journal", ["pending", "s", "--db", path]).output
        == Self.line("b") + "\n")
    let files = try FileManager.default.contentsOfDirectory(atPath: mount)
    #expect(files == ["journal.db"], "\(files)")
  }

  /// Reading a journal no one writes leaves no -wal or -shm file beside it.
  @Test func readingLeavesNoFilesBesideTheJournal() throws {
    #expect(try journal(nil, ["-s", "s"], stdin: Self.line("a") + "\n").status == 0)
    for arguments in [
      ["list"], ["show", "s"], ["status", "s"], ["export", "s"], ["pending", "s"],
    ] {
      #expect(try journal(arguments[0], Array(arguments.dropFirst())).status == 0)
      let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
      #expect(files == ["journal.db"], "\(arguments): \(files)")
    }
  }

  /// The read subcommands say that a journal does not exist, and change nothing, both for a
  /// missing file and for a file that holds no journal yet: an empty file, or an SQLite
  /// database without tables (they said "prepare failed: no such table: sessions").
  @Test func readingWhereNoJournalIsSaysItDoesNotExist() throws {
    let empty = dir.file("empty.db")
    try Data().write(to: URL(fileURLWithPath: empty))
    let blank = dir.file("blank.db")
    let made = try runTool("/usr/bin/sqlite3", [blank, "CREATE TABLE t (a); DROP TABLE t;"])
    try #require(made.status == 0, "\(made.stderr)")
    for path in [dir.file("missing.db"), empty, blank] {
      let before = FileManager.default.contents(atPath: path)
      for arguments in [
        ["list"], ["show", "s"], ["status"], ["status", "s"], ["export", "s"], ["pending", "s"],
        ["pending", "s", "--failed"],
      ] {
        let result = try runTool("atk-journal", arguments + ["--db", path])
        #expect(result.status == 2, "\(arguments) \(path)")
        #expect(result.stdout.isEmpty)
        #expect(
          result.stderr == "atk-journal: error: journal '\(path)' does not exist\n",
          "\(arguments): \(result.stderr)")
        #expect(FileManager.default.contents(atPath: path) == before, "\(arguments) \(path)")
      }
    }
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        == ["blank.db", "empty.db"])
  }

  /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN).
  static let canMountTmpfs: Bool = {
    guard getuid() == 0, let probe = try? TemporaryDirectory() else { return false }
    guard (try? runShell("mount -t tmpfs tmpfs '\(probe.path)'"))?.status == 0 else {
      return false
    }
    _ = try? runShell("umount '\(probe.path)'")
    return true
  }()

  // MARK: - Databases it must not touch

  /// A journal database with one session, closed (its log folded into the file).
  func makeJournal(at path: String) throws -> [UInt8] {
    let result = try runTool(
      "atk-journal", ["--db", path, "-s", "s"], stdin: Self.line("a") + "\n")
    #expect(result.status == 0)
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  func expectRefused(_ bytes: [UInt8], _ name: String, saying words: String) throws {
    let path = dir.file(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    for arguments in [["--db", path, "-s", "s"], ["list", "--db", path]] {
      let result = try runTool("atk-journal", arguments, stdin: Self.line("b") + "\n")
      #expect(result.status == 2, "\(name) \(arguments)")
      #expect(result.stdout.isEmpty)
      #expect(result.stderr.contains(path), "\(result.stderr)")
      #expect(result.stderr.contains(words), "\(result.stderr)")
      #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
      #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }
  }

  @Test func refusesWhatIsNotSQLite() throws {
    try expectRefused(
      Array(String(repeating: "not a database\n", count: 300).utf8),
      "text.db", saying: "not an SQLite database")
  }

  @Test func refusesACorruptJournal() throws {
    var bytes = try makeJournal(at: dir.file("good.db"))
    for i in 100..<min(4096, bytes.count) { bytes[i] = 0xAA }
    try expectRefused(bytes, "corrupt.db", saying: "damaged")
  }

  /// Damage that SQLite only finds by reading every page (64 random bytes written into a
  /// page): a writing atk-journal checks first, exits 2, changes nothing and says how to
  /// recover (issue 7.9).
  @Test func refusesToWriteADamagedJournal() throws {
    let good = dir.file("good.db")
    let lines = (0..<3000).map { Self.line("in/\($0).wav") }.joined(separator: "\n") + "\n"
    #expect(try runTool("atk-journal", ["--db", good, "-s", "s"], stdin: lines).status == 0)
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
    let pageSize = 16384
    let pages = bytes.count / pageSize
    #expect(pages > 8)
    var generator = SplitMix(seed: 7)
    var damaged = 0
    var tried = 0
    while damaged < 6 && tried < 60 {
      tried += 1
      var copy = bytes
      let page = 1 + Int(generator.next() % UInt64(pages - 1))
      let offset = page * pageSize + Int(generator.next() % UInt64(pageSize - 64))
      for i in 0..<64 { copy[offset + i] = UInt8(truncatingIfNeeded: generator.next()) }
      let path = dir.file("damaged-\(tried).db")
      let probe = path + ".probe"
      try Data(copy).write(to: URL(fileURLWithPath: probe))
      let check = try runTool("/usr/bin/sqlite3", [probe, "PRAGMA integrity_check"])
      if check.output == "ok\n" { continue }
      damaged += 1
      try Data(copy).write(to: URL(fileURLWithPath: path))
      for arguments in [["--db", path, "-s", "s"], ["--db", path, "-s", "t", "--pending"]] {
        let result = try runTool("atk-journal", arguments, stdin: Self.line("new") + "\n")
        #expect(result.status == 2, "page \(page) offset \(offset): \(result.stderr)")
        #expect(result.stderr.contains("damaged"), "\(result.stderr)")
        #expect(result.stderr.contains(".recover"), "\(result.stderr)")
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == copy)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
      }
    }
    #expect(damaged == 6, "only \(damaged) of \(tried) variants were damaged")
  }

  @Test func refusesANewerSchema() throws {
    var bytes = try makeJournal(at: dir.file("good.db"))
    bytes[60..<64] = [0, 0, 0, 2]  // PRAGMA user_version, big-endian
    try expectRefused(bytes, "newer.db", saying: "newer")
  }

  @Test func refusesAnotherApplicationsDatabase() throws {
    // The same database with one table renamed: SQLite reads it, but it is not a journal.
    let bytes = try makeJournal(at: dir.file("good.db"))
    let from = Array("bad_lines".utf8)
    let to = Array("bad_linez".utf8)
    var renamed = bytes
    var i = 0
    while i + from.count <= renamed.count {
      if Array(renamed[i..<i + from.count]) == from { renamed[i..<i + from.count] = to[...] }
      i += 1
    }
    try expectRefused(renamed, "other.db", saying: "not an atk journal")
  }

  @Test func refusesToWriteAReadOnlyJournalButReadsIt() throws {
    let path = dir.file("readonly.db")
    let bytes = try makeJournal(at: path)
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
    let write = try runTool("atk-journal", ["--db", path, "-s", "s"], stdin: Self.line("b") + "\n")
    #expect(write.status == 2)
    #expect(write.stderr.contains("not writable"))
    #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
    let list = try runTool("atk-journal", ["list", "--db", path, "--json"])
    #expect(list.status == 0)
    #expect(list.records.first?["name"] == "s")
  }

  @Test func usageErrors() throws {
    let result = try journal(nil, ["--only-new"], stdin: Self.line("a") + "\n")
    #expect(result.status == 64)
    #expect(result.stdout.isEmpty)
    #expect(try journal(nil, ["--bogus"]).status == 64)
  }

  @Test func stdoutToDevFull() throws {
    let full = try runTool(
      "/bin/sh",
      [
        "-c", "printf '%s\\n' \"$2\" | atk-journal --db \"$1\" -s s >/dev/full; echo status=$?",
        "sh", db, Self.line("a"),
      ])
    #expect(full.output.contains("status=2"))
  }
}

/// A small deterministic generator (SplitMix64), so damaged files are the same on every run.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
