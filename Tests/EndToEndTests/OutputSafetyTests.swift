import ATKRecords
import ATKTestSupport
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Where atk-convert and atk-split may write, and what they never replace: links, sources,
/// read-only files, names claimed by inputs that failed (issues 6 and 7).
@Suite struct OutputSafetyTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  func code(_ record: Record?) -> String? { record?.errorInfo?.code }

  func text(_ path: String) -> String? {
    TestFiles.read(RawPath(path)).map { String(decoding: $0, as: UTF8.self) }
  }

  func isLink(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
  }

  func mkdir(_ name: String) throws {
    try FileManager.default.createDirectory(
      atPath: dir.file(name), withIntermediateDirectories: true)
  }

  func link(_ name: String, to target: String) throws {
    try TestFiles.link(RawPath(dir.file(name)), to: target)
  }

  /// A FLAC of `frames` frames of noise at `path`, made with atk-convert.
  func writeFLAC(_ path: String, frames: Int) throws {
    let scratch = try TemporaryDirectory()
    try TestAudio.writeWAV(scratch.file("x.wav"), frames: frames, signal: TestAudio.noise)
    let made = try runTool("atk-convert", ["flac", "-o", scratch.path, scratch.file("x.wav")])
    #expect(made.status == 0, "\(made.stderr)")
    try FileManager.default.moveItem(atPath: scratch.file("x.flac"), toPath: path)
  }

  // MARK: - Links (7.1)

  @Test(arguments: [
    ("atk-convert", ["flac"], ".take.flac.atk-tmp"),
    ("atk-split", ["1"], ".take_segment_001.wav.atk-tmp"),
  ])
  func aTemporaryNameThatIsALinkIsNeverWrittenThrough(
    tool: String, arguments: [String], temporary: String
  ) throws {
    try TestFiles.write(RawPath(dir.file("victim.txt")), Array("DATA\n".utf8))
    try TestAudio.writeWAV(dir.file("take.wav"), frames: 4000)
    try mkdir("out")
    try link("out/" + temporary, to: dir.file("victim.txt"))
    let result = try runTool(tool, arguments + ["-o", dir.file("out"), dir.file("take.wav")])
    #expect(text(dir.file("victim.txt")) == "DATA\n", "the link's target is untouched")
    #expect(result.status == 1)
    #expect(code(result.records.first) == "cannot_write", "\(result.stderr)")
    #expect(!result.stderr.contains("atk-tmp"), "no temporary name in messages")
    #expect(isLink(dir.file("out/" + temporary)), "the link is left as it was")
    #expect(files(below: dir.file("out")) == [temporary])
  }

  @Test(arguments: [
    ("atk-convert", ["flac"], "take.flac"), ("atk-split", ["1"], "take_segment_001.wav"),
  ])
  func aFinalNameThatIsALinkIsReplacedNotWrittenThrough(
    tool: String, arguments: [String], name: String
  ) throws {
    try TestFiles.write(RawPath(dir.file("victim.txt")), Array("DATA\n".utf8))
    try TestAudio.writeWAV(dir.file("take.wav"), frames: 4000)
    try mkdir("out")
    try link("out/" + name, to: dir.file("victim.txt"))
    let result = try runTool(tool, arguments + ["-o", dir.file("out"), dir.file("take.wav")])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(text(dir.file("victim.txt")) == "DATA\n")
    #expect(!isLink(dir.file("out/" + name)), "the link itself is replaced by the output")
    let scanned = try runTool("atk-scan", [dir.file("out/" + name)])
    #expect(scanned.records.first?["status"]?.stringValue == "ok")
  }

  @Test(arguments: ["atk-convert", "atk-split"])
  func aLinkedFolderBelowTheOutputFolderIsNotFollowed(tool: String) throws {
    try TestAudio.writeWAV(dir.file("take.wav"), frames: 4000)
    try mkdir("elsewhere")
    try mkdir("out")
    try link("out/sub", to: dir.file("elsewhere"))
    let input = #"{"path":"\#(dir.file("take.wav"))","relpath":"sub/take.wav"}"# + "\n"
    let first = tool == "atk-convert" ? "wav" : "1"
    let result = try runTool(tool, [first, "-o", dir.file("out")], stdin: input)
    #expect(result.status == 1)
    #expect(code(result.records.first) == "cannot_write")
    #expect(result.stderr.contains("symbolic link"), "\(result.stderr)")
    #expect(files(below: dir.file("elsewhere")).isEmpty)

    // The output folder itself may be a link: it is the user's own choice.
    try mkdir("real")
    try link("linked", to: dir.file("real"))
    let linked = try runTool(tool, [first, "-o", dir.file("linked"), dir.file("take.wav")])
    #expect(linked.status == 0, "\(linked.stderr)")
    #expect(files(below: dir.file("real")).count == 1)
  }

  // MARK: - Sources (7.2)

  @Test func convertNeverReplacesASourceInTheOutputFolder() throws {
    try mkdir("src")
    try TestAudio.writeWAV(dir.file("src/b.wav"), frames: 3000)
    try writeFLAC(dir.file("src/b.flac"), frames: 5000)
    let original = TestFiles.read(RawPath(dir.file("src/b.wav")))
    let src = dir.file("src")
    let runs: [(arguments: [String], stdin: String)] = [
      (["wav", "-o", ".", "."], ""),
      (["wav", "-o", ".", "b.flac", "b.wav"], ""),
      (["wav", "-o", "."], "{\"path\":\"b.wav\"}\n{\"path\":\"b.flac\"}\n"),
      (["wav", "-j", "4", "-o", src, src], ""),
    ]
    for run in runs {
      let result = try runTool("atk-convert", run.arguments, stdin: run.stdin, cwd: src)
      #expect(result.status == 1, "\(run.arguments)")
      #expect(result.records.count == 2)
      for record in result.records {
        #expect(code(record) == "output_is_source", "\(run.arguments) \(record.jsonLine)")
      }
      #expect(TestFiles.read(RawPath(dir.file("src/b.wav"))) == original, "\(run.arguments)")
      #expect(files(below: src) == ["b.flac", "b.wav"])
    }
  }

  @Test func splitNeverReplacesASourceInTheOutputFolder() throws {
    try mkdir("src")
    try TestAudio.writeWAV(dir.file("src/a.wav"), frames: 8000)
    try TestAudio.writeWAV(dir.file("src/a_segment_001.wav"), frames: 800, signal: TestAudio.noise)
    let original = TestFiles.read(RawPath(dir.file("src/a_segment_001.wav")))
    for arguments in [["0.5", "-o", ".", "."], ["0.5", "-o", ".", "a.wav", "a_segment_001.wav"]] {
      let result = try runTool("atk-split", arguments, cwd: dir.file("src"))
      #expect(result.status == 1, "\(arguments)")
      #expect(code(result.records.first) == "output_is_source", "\(result.stderr)")
      #expect(TestFiles.read(RawPath(dir.file("src/a_segment_001.wav"))) == original)
      #expect(!FileManager.default.fileExists(atPath: dir.file("src/a_segment_002.wav")))
    }
  }

  @Test func aRerunWithTheOutputFolderInsideTheWalkedFolderTakesNoOutputAsInput() throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 3000)
    let first = try runTool("atk-convert", ["flac", "."], cwd: dir.path)
    let second = try runTool("atk-convert", ["flac", "."], cwd: dir.path)
    #expect(first.status == 0 && second.status == 0, "\(second.stderr)")
    #expect(first.output == second.output)
    #expect(files(below: dir.path) == ["a.wav", "atk-out/a.flac"])
  }

  // MARK: - Names (7.3, 7.14)

  @Test(arguments: ["atk-scan", "atk-convert", "atk-split"])
  func aNULInAPathKeyIsABadRecord(tool: String) throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 800)
    let a = dir.file("a.wav")
    let input =
      [
        #"{"path":"\#(a)","relpath":"x\u0000a.wav"}"#,
        #"{"path":"\#(a)","relpath":"x\u0000b.wav"}"#,
        #"{"path":"\#(a)\u0000junk"}"#,
        #"{"path":"\#(a)","origin":"o\u0000"}"#,
        #"{"path":"\#(a)","source":"s\u0000"}"#,
      ].joined(separator: "\n") + "\n"
    let arguments = tool == "atk-scan" ? [] : [tool == "atk-convert" ? "flac" : "1", "-o", "o"]
    let result = try runTool(tool, arguments, stdin: input, cwd: dir.path)
    #expect(result.status == 1)
    #expect(result.records.map { code($0) } == Array(repeating: "bad_record", count: 5))
    #expect(result.stderr.contains("NUL"), "\(result.stderr)")
    #expect(files(below: dir.path) == ["a.wav"])
  }

  @Test(arguments: ["atk-convert", "atk-split"])
  func relpathsWithDotDotAreBadRecords(tool: String) throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 800)
    let a = dir.file("a.wav")
    let input =
      ["..", "a/..", "../x.wav", "a/../../b.wav", "."].map {
        #"{"path":"\#(a)","relpath":"\#($0)"}"#
      }.joined(separator: "\n") + "\n"
    let first = tool == "atk-convert" ? "flac" : "1"
    let result = try runTool(tool, [first, "-o", dir.file("o/deep")], stdin: input)
    #expect(result.status == 1)
    #expect(result.records.map { code($0) } == Array(repeating: "bad_record", count: 5))
    #expect(files(below: dir.path) == ["a.wav"])
  }

  @Test(arguments: ["atk-scan", "atk-convert", "atk-split"])
  func aPathThatIsNotAStringSaysSo(tool: String) throws {
    let arguments = tool == "atk-scan" ? [] : [tool == "atk-convert" ? "flac" : "1", "-o", "o"]
    let result = try runTool(tool, arguments, stdin: "{\"path\":123}\n", cwd: dir.path)
    #expect(result.status == 1)
    #expect(code(result.records.first) == "bad_record")
    #expect(result.stderr == "\(tool): error: line 1: 'path' is not a string\n")
  }

  @Test(arguments: ["atk-scan", "atk-convert", "atk-split"])
  func specialFilesSayWhatTheyAre(tool: String) throws {
    #expect(mkfifo(dir.file("fifo.wav"), 0o644) == 0)
    let arguments = tool == "atk-scan" ? [] : [tool == "atk-convert" ? "flac" : "1", "-o", "o"]
    let result = try runTool(
      tool, arguments + ["fifo.wav", "/proc/self/mem", "/dev/null"], cwd: dir.path, timeout: 30)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.records.map { code($0) } == ["not_audio", "not_audio", "not_audio"])
    let messages = result.records.compactMap { $0.errorInfo?.message }
    #expect(messages.count == 3)
    #expect(messages.first?.contains("FIFO") == true, "\(messages)")
    #expect(messages.dropFirst().first?.contains("/proc") == true, "\(messages)")
    #expect(messages.last?.contains("device") == true, "\(messages)")
  }

  @Test(arguments: [("atk-convert", "mp3"), ("atk-split", "1")])
  func anOutputFolderThatIsAFileIsNamed(tool: String, first: String) throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 800)
    try TestFiles.write(RawPath(dir.file("c.wav")), [1, 2, 3])
    let result = try runTool(tool, [first, "-o", "c.wav", "a.wav"], cwd: dir.path)
    #expect(result.status == 1)
    #expect(code(result.records.first) == "cannot_write")
    #expect(result.stderr.contains("output folder 'c.wav' is a file"), "\(result.stderr)")
    #expect(!result.stderr.contains("atk-tmp"))
  }

  // MARK: - Read-only files (6.4)

  @Test(arguments: [("atk-convert", "flac", "a.flac"), ("atk-split", "1", "a_segment_001.wav")])
  func aFileTheUserMayNotWriteIsNotReplaced(tool: String, first: String, name: String) throws {
    try TestAudio.writeWAV(dir.file("a.wav"), frames: 4000)
    try mkdir("o")
    let existing = dir.file("o/" + name)
    try TestFiles.write(RawPath(existing), Array("keep".utf8))
    #expect(chmod(existing, 0o444) == 0)
    let refused = try runTool(tool, [first, "-o", "o", "a.wav"], cwd: dir.path)
    #expect(refused.status == 1)
    #expect(code(refused.records.first) == "output_read_only", "\(refused.stderr)")
    #expect(text(existing) == "keep")
    #expect(refused.stderr.contains("--overwrite"))

    let forced = try runTool(tool, [first, "--overwrite", "-o", "o", "a.wav"], cwd: dir.path)
    #expect(forced.status == 0, "\(forced.stderr)")
    #expect(text(existing) != "keep")

    // A file of another user counts as read-only too, whatever its mode (root can test it).
    guard TestFiles.isRoot else { return }
    #expect(chmod(existing, 0o666) == 0)
    #expect(chown(existing, 4242, 4242) == 0)
    let theirs = try runTool(tool, [first, "-o", "o", "a.wav"], cwd: dir.path)
    #expect(code(theirs.records.first) == "output_read_only", "\(theirs.stderr)")
    #expect(theirs.stderr.contains("another user"), "\(theirs.stderr)")
  }

  // MARK: - Claims (7.13, issue 8)

  @Test func aFailedInputClaimsNoName() throws {
    try mkdir("src")
    try TestFiles.write(RawPath(dir.file("src/take.aiff")), Array("junk, not audio".utf8))
    try TestAudio.writeWAV(dir.file("src/take.wav"), frames: 3000)
    for tool in [("atk-convert", "flac"), ("atk-split", "1")] {
      let result = try runTool(tool.0, [tool.1, "-o", "o", "src"], cwd: dir.path)
      #expect(result.records.map { $0["status"]?.stringValue } == ["failed", "ok"], "\(tool)")
      #expect(code(result.records.first) == "not_audio", "\(result.stderr)")
    }
  }

  /// The same colliding inputs 20 times with `-j 1` and `-j 4`: the same records every time,
  /// for every tool that writes outputs. The inputs have no `origin`; every record gets one.
  @Test(arguments: [("atk-convert", "flac"), ("atk-split", "0.5")])
  func collisionsFailTheSameInputWhateverTheJobs(tool: String, first: String) throws {
    for folder in ["d1", "d2", "d3", "d4"] { try mkdir(folder) }
    try TestFiles.write(RawPath(dir.file("d1/a.wav")), Array("junk".utf8))
    try TestAudio.writeWAV(dir.file("d2/a.wav"), frames: 4000, signal: TestAudio.noise)
    try TestAudio.writeWAV(dir.file("d3/a.wav"), frames: 6000)
    try TestAudio.writeWAV(dir.file("d4/b.wav"), frames: 30000)
    try TestAudio.writeWAV(dir.file("d4/c.wav"), frames: 2000)
    let input =
      ["d1/a.wav", "d4/b.wav", "d2/a.wav", "d3/a.wav", "d4/c.wav", "d3/a.wav"].map {
        #"{"path":"\#($0)","relpath":"\#($0.dropFirst(3))"}"#
      }.joined(separator: "\n") + "\n"
    var seen: Set<[UInt8]> = []
    for round in 0..<20 {
      for jobs in ["1", "4"] {
        let result = try runTool(tool, [first, "-j", jobs, "-o", "o"], stdin: input, cwd: dir.path)
        #expect(result.status == 1, "round \(round), -j \(jobs)")
        seen.insert(result.stdout)
        try? FileManager.default.removeItem(atPath: dir.file("o"))
      }
    }
    #expect(seen.count == 1, "records differ between runs")
    let result = try runTool(tool, [first, "-j", "4", "-o", "o"], stdin: input, cwd: dir.path)
    let byInput = Dictionary(grouping: result.records) { $0["source"]?.stringValue ?? "" }
    #expect(code(result.records.first) == "not_audio")
    #expect(byInput["d2/a.wav"]?.allSatisfy { $0["status"]?.stringValue == "ok" } == true)
    let failures = result.records.filter { $0.isFailed }.map { code($0) }
    #expect(failures == ["not_audio", "output_collision", "output_collision"], "\(result.stderr)")
    for record in result.records {
      let input = record["source"]?.stringValue ?? record["path"]?.stringValue
      #expect(record["origin"]?.stringValue == input, "\(record.jsonLine)")
    }
  }

  // MARK: - SIGPIPE (7.8)

  @Test func aReaderThatLeavesStopsTheToolCleanly() throws {
    try mkdir("in")
    for i in 0..<3 {
      try TestAudio.writeWAV(dir.file("in/f\(i).wav"), frames: 8000 * 5, signal: TestAudio.noise)
    }
    for round in 0..<3 {
      let out = dir.file("out\(round)")
      let result = try runTool(
        "/bin/bash",
        [
          "-c",
          "env --default-signal=PIPE atk-split 0.01 -j 2 -o '\(out)' '\(dir.file("in"))'"
            + " | head -4 >/dev/null; echo ${PIPESTATUS[0]}",
        ],
        timeout: 120)
      #expect(result.output == "141\n", "\(result.stderr)")
      #expect(result.stderr.isEmpty, "\(result.stderr)")
      let written = files(below: out)
      #expect(!written.contains { $0.contains("atk-tmp") }, "temporary files left")
      // Each input's segments are all there or none is.
      for i in 0..<3 {
        let count = written.filter { $0.hasPrefix("f\(i)_segment_") }.count
        #expect(count == 0 || count == 500, "f\(i): \(count) of 500 segments")
      }
    }
  }
}
