import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// The tools together, as users run them: `scan | convert | split`, and the same work fanned
/// out with GNU parallel.
@Suite struct PipelineTests {
  /// Three sources: stereo 16-bit, mono 24-bit in a subfolder, and one shorter than a segment.
  private func makeTree(_ dir: TemporaryDirectory) throws {
    try FileManager.default.createDirectory(
      atPath: dir.file("raw/sub"), withIntermediateDirectories: true)
    try TestAudio.writeWAV(dir.file("raw/a take.wav"), frames: 24_000, channels: 2)
    try TestAudio.writeWAV(
      dir.file("raw/sub/b.wav"), frames: 20_000, bits: 24, signal: TestAudio.noise)
    try TestAudio.writeWAV(dir.file("raw/c.wav"), frames: 4_000)
  }

  /// Every file below `folder` with its bytes.
  private func contents(below folder: String) -> [String: Data] {
    Dictionary(
      uniqueKeysWithValues: files(below: folder).map {
        ($0, FileManager.default.contents(atPath: folder + "/" + $0) ?? Data())
      })
  }

  @Test func scanConvertSplitGivesSampleExactSegments() throws {
    let dir = try TemporaryDirectory()
    try makeTree(dir)
    let run = try runShell(
      "atk-scan raw | atk-convert flac -o out | atk-split 1 -o out > records.ndjson",
      cwd: dir.path)
    #expect(run.status == 0, "\(run.stderr)")
    let lines = try String(contentsOfFile: dir.file("records.ndjson"), encoding: .utf8)
    let records = lines.split(separator: "\n").map { try! Record(line: Array($0.utf8)) }
    // 24000 frames at 8 kHz = 3 segments, 20000 = 3 (1 s, 1 s, 0.5 s), 4000 = 1.
    #expect(records.count == 7)
    let byOrigin = Dictionary(grouping: records) { $0.origin?.display ?? "" }
    #expect(byOrigin["raw/a take.wav"]?.count == 3)
    #expect(byOrigin["raw/sub/b.wav"]?.count == 3)
    #expect(byOrigin["raw/c.wav"]?.count == 1)
    for record in records {
      #expect(record["status"]?.stringValue == "ok")
      #expect(record.part.count == 1)
      #expect(record.part.first?.count == Int64(byOrigin[record.origin!.display]!.count))
    }
    #expect(FileManager.default.fileExists(atPath: dir.file("out/sub/b_segment_003.flac")))

    // Decode the FLAC segments back to WAV and join them: the source, sample for sample.
    let back = try runShell(
      "atk-convert wav -o back < records.ndjson > /dev/null", cwd: dir.path)
    #expect(back.status == 0, "\(back.stderr)")
    for (source, stem, count) in [
      ("raw/a take.wav", "a take", 3), ("raw/sub/b.wav", "sub/b", 3), ("raw/c.wav", "c", 1),
    ] {
      let original = try TestAudio.samples(ofWAV: dir.file(source))
      var joined: [Int32] = []
      for index in 1...count {
        let piece = try TestAudio.samples(
          ofWAV: dir.file("back/\(stem)_segment_\(String(format: "%03d", index)).wav"))
        #expect(piece.format.rate == original.format.rate)
        #expect(piece.format.bits == original.format.bits)
        joined += piece.samples
      }
      #expect(joined == original.samples, "\(source)")
    }
  }

  @Test func parallelFanOutGivesTheSameOutputs() throws {
    let dir = try TemporaryDirectory()
    try makeTree(dir)
    for name in ["d", "e", "f", "g"] {
      try TestAudio.writeWAV(dir.file("raw/\(name).wav"), frames: 6_000)
    }
    let serial = try runShell(
      "atk-scan raw | atk-convert mp3 -o serial | atk-split 0.5 -o serial > serial.ndjson",
      cwd: dir.path)
    #expect(serial.status == 0, "\(serial.stderr)")
    let fanned = try runShell(
      "atk-scan raw | parallel --pipe --round-robin --line-buffer -j 3 --block 200 "
        + "'atk-convert mp3 -o fanned --jobs 1 | atk-split 0.5 -o fanned' > fanned.ndjson",
      cwd: dir.path)
    #expect(fanned.status == 0, "\(fanned.stderr)")
    let a = contents(below: dir.file("serial"))
    let b = contents(below: dir.file("fanned"))
    // Seven MP3s, and their 0.5 s pieces: 3 s → 6, 2.5 s → 5, 0.5 s → 1, four of 0.75 s → 2.
    #expect(a.count == 7 + 6 + 5 + 1 + 4 * 2, "outputs: \(a.keys.sorted())")
    #expect(a.keys.sorted() == b.keys.sorted())
    for (name, bytes) in a { #expect(b[name] == bytes, "\(name) differs") }
    // The same records, in whatever order the workers finished.
    func sortedLines(_ file: String) throws -> [String] {
      try String(contentsOfFile: dir.file(file), encoding: .utf8).split(separator: "\n").map {
        String($0).replacingOccurrences(of: "fanned/", with: "serial/")
      }.sorted()
    }
    #expect(try sortedLines("serial.ndjson") == sortedLines("fanned.ndjson"))
  }

  /// Running the same pipeline twice on `.` must not take the first run's outputs for
  /// sources (issue 6.3): atk-scan skips `atk-out` and folders marked by atk's tools.
  @Test func rerunningOnTheSourceFolderDoesNotSnowball() throws {
    let dir = try TemporaryDirectory()
    try TestAudio.writeWAV(dir.file("take1.wav"), frames: 24_000)
    let pipeline = "atk-scan . | atk-convert flac | atk-split 1 > records.ndjson"
    var outputs: [[String]] = []
    for _ in 0..<2 {
      let run = try runShell(pipeline, cwd: dir.path)
      #expect(run.status == 0, "\(run.stderr)")
      outputs.append(files(below: dir.file("atk-out")))
    }
    #expect(
      outputs[0] == [
        "take1.flac", "take1_segment_001.flac", "take1_segment_002.flac", "take1_segment_003.flac",
      ])
    #expect(outputs[1] == outputs[0])
    #expect(FileManager.default.fileExists(atPath: dir.file("atk-out/.atk-output")))

    // A folder given with -o is marked, and skipped the same way.
    for _ in 0..<2 {
      let run = try runShell("atk-scan . | atk-convert wav -o mine > mine.ndjson", cwd: dir.path)
      #expect(run.status == 0, "\(run.stderr)")
    }
    #expect(files(below: dir.file("mine")) == ["take1.wav"])
    #expect(FileManager.default.fileExists(atPath: dir.file("mine/.atk-output")))
    let scan = try runTool("atk-scan", ["-v", "."], cwd: dir.path)
    #expect(scan.records.map { $0.relpath?.display } == ["take1.wav"])
    #expect(scan.stderr.contains("'atk-out': not walked: atk's default output folder"))
    #expect(scan.stderr.contains("'mine': not walked: an atk output folder"))
    let all = try runTool("atk-scan", ["--include-outputs", "."], cwd: dir.path)
    #expect(all.records.count == 1 + 4 + 1, "\(all.records.map { $0.relpath?.display })")
  }

  /// The GNU parallel fan-out the README and the manual pages show spreads even a small batch
  /// over its workers (issue 6.10). Each command runs as written, with `~` a test folder and
  /// the atk tool wrapped to note which worker got which records.
  @Test func documentedParallelFanOutSpreadsASmallBatch() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel") else { return }
    let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
    var commands = readme.split(separator: "\n").map(String.init).filter {
      $0.hasPrefix("atk-scan ~/raw | parallel --pipe")
    }
    for page in ["atk-convert.1", "atk-split.1"] {
      let text = try String(contentsOfFile: repositoryRoot + "/man/" + page, encoding: .utf8)
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      for (i, line) in lines.enumerated() where line.contains("parallel --pipe") {
        // `atk-scan ~/raw |` on the line before, the parallel command indented below it.
        commands.append(lines[i - 1] + " " + line.trimmingCharacters(in: .whitespaces))
      }
    }
    #expect(commands.count == 3, "\(commands)")
    for command in commands {
      let dir = try TemporaryDirectory()
      try FileManager.default.createDirectory(
        atPath: dir.file("raw"), withIntermediateDirectories: true)
      for i in 1...8 { try TestAudio.writeWAV(dir.file("raw/take\(i).wav"), frames: 800 + 40 * i) }
      // A wrapper named like the tool, first on PATH: keeps each worker's input, by process id.
      try FileManager.default.createDirectory(
        atPath: dir.file("bin"), withIntermediateDirectories: true)
      try FileManager.default.createDirectory(
        atPath: dir.file("seen"), withIntermediateDirectories: true)
      for tool in ["atk-convert", "atk-split"] {
        let wrapper = dir.file("bin/" + tool)
        let script =
          "#!/bin/sh\ntee \"\(dir.file("seen"))/$$\" | \"\(toolDirectory)/\(tool)\" \"$@\"\n"
        try script.write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
      }
      let run = try runShell(
        command + " > records.ndjson", cwd: dir.path,
        environment: [
          "HOME": dir.path, "PATH": dir.file("bin") + ":" + toolDirectory + ":/usr/bin:/bin",
        ])
      #expect(run.status == 0, "\(command): \(run.stderr)")
      let records = try String(contentsOfFile: dir.file("records.ndjson"), encoding: .utf8)
        .split(separator: "\n").map { try Record(line: Array($0.utf8)) }
      #expect(records.count == 8, "\(command)")
      #expect(records.allSatisfy { $0["status"] == "ok" }, "\(command)")
      let workers = try FileManager.default.contentsOfDirectory(atPath: dir.file("seen")).filter {
        (try? Data(contentsOf: URL(fileURLWithPath: dir.file("seen/" + $0))))?.isEmpty == false
      }
      #expect(workers.count == 4, "\(command): \(workers.count) workers got records")
    }
  }

  @Test func journalAtTheEndSeesEveryOriginComplete() throws {
    let dir = try TemporaryDirectory()
    try makeTree(dir)
    try Data("not audio".utf8).write(to: URL(fileURLWithPath: dir.file("raw/notes.wav")))
    let run = try runShell(
      "atk-scan raw | atk-convert mp3 -o out | atk-split 1 -o out "
        + "| atk-journal --db j.db -s batch > tee.ndjson", cwd: dir.path)
    #expect(run.status == 0, "the journal's own status: \(run.stderr)")
    let status = try runTool(
      "atk-journal", ["status", "--db", "j.db", "batch", "--json"], cwd: dir.path)
    #expect(status.status == 0, "\(status.stderr)")
    let summary = try JSONParser.parse(status.stdout).objectValue ?? [:]
    #expect(summary["origins"] == .int(4))
    #expect(summary["completed"] == .int(3))
    #expect(summary["failed"] == .int(1))
    #expect(summary["pending"] == .int(0))
    #expect(summary["outputs"] == .int(8))
    // The tee passed every record through unchanged: 7 segments and the failed text file.
    #expect(
      try String(contentsOfFile: dir.file("tee.ndjson"), encoding: .utf8)
        .split(separator: "\n").count == 8)
  }
}
