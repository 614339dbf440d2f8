import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// The stdout lines of a run, without their newlines.
func outputLines(_ result: ToolResult) -> [[UInt8]] {
  result.stdout.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map(Array.init)
}

/// The `relpath` (as display text) and status or error code of each record.
func summary(_ result: ToolResult) -> [String] {
  result.records.map { record in
    let name = record.relpath?.display ?? record.path?.display ?? "-"
    return "\(name) \(record.errorInfo?.code ?? (record[Record.Key.status]?.stringValue ?? "?"))"
  }
}

/// A small tree: three good WAVs in two levels, plus a file scan skips.
func goodTree(_ dir: TemporaryDirectory) throws {
  let root = dir.raw
  try TestFiles.wav(root.appending("b.wav"), frames: 800)
  try TestFiles.folder(root.appending("a"))
  try TestFiles.wav(root.appending("a/one.wav"), frames: 4000, channels: 2)
  try TestFiles.wav(root.appending("a/two.wav"), frames: 1001, rate: 11025)
  try TestFiles.write(root.appending("notes.txt"), Array("not audio\n".utf8))
}

@Suite struct ScanTests {
  @Test func happyPathOnAGeneratedTree() throws {
    let dir = try TemporaryDirectory()
    try goodTree(dir)
    let result = try runTool("atk-scan", [dir.path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr == "")
    let records = result.records
    #expect(records.count == outputLines(result).count, "every line is a record")
    #expect(records.map { $0.relpath?.display } == ["a/one.wav", "a/two.wav", "b.wav"])
    #expect(
      records.map { $0.path } == ["a/one.wav", "a/two.wav", "b.wav"].map { dir.raw.appending($0) })
    #expect(records.map { $0[Record.Key.frames] } == [.int(4000), .int(1001), .int(800)])
    #expect(records.map { $0[Record.Key.sampleRate] } == [.int(8000), .int(11025), .int(8000)])
    #expect(records.map { $0[Record.Key.channels] } == [.int(2), .int(1), .int(1)])
    #expect(
      records.map { $0[Record.Key.duration] } == [.double(0.5), .double(0.090794), .double(0.1)])
    for record in records {
      #expect(record.origin == record.path)
      #expect(record[Record.Key.status] == "ok")
      #expect(record[Record.Key.step] == "scan")
      #expect(record[Record.Key.format] == "wav")
      #expect(record[Record.Key.encoding] == "pcm_16")
      #expect(record[Record.Key.bytes]?.intValue ?? 0 > 44)
    }
  }

  @Test func recordsAreCompactSortedLines() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("x.wav"), frames: 80)
    let result = try runTool("atk-scan", [dir.file("x.wav")])
    let path = dir.file("x.wav")
    #expect(
      result.output
        == "{\"bytes\":204,\"channels\":1,\"duration\":0.01,\"encoding\":\"pcm_16\",\"format\":\"wav\","
        + "\"frames\":80,\"origin\":\"\(path)\",\"path\":\"\(path)\",\"relpath\":\"x.wav\","
        + "\"sample_rate\":8000,\"status\":\"ok\",\"step\":\"scan\"}\n")
  }

  @Test func formatsFilterPicksExtensionsFromFolders() throws {
    let dir = try TemporaryDirectory()
    try goodTree(dir)
    try TestFiles.write(dir.raw.appending("c.m4a"), TestFiles.fakeM4A)
    let wavOnly = try runTool("atk-scan", ["--formats", "wav", dir.path])
    #expect(wavOnly.status == 0)
    #expect(summary(wavOnly) == ["a/one.wav ok", "a/two.wav ok", "b.wav ok"])
    let m4a = try runTool("atk-scan", ["--formats", ".M4A", dir.path])
    #expect(m4a.status == 1)
    #expect(summary(m4a) == ["c.m4a unsupported_format"])
    let all = try runTool("atk-scan", ["--formats", "all", dir.path])
    #expect(all.status == 1)
    #expect(summary(all).last == "notes.txt not_audio")
    #expect(all.records.count == 5)
    // The default takes audio extensions, M4A among them, and leaves notes.txt alone.
    let byDefault = try runTool("atk-scan", [dir.path])
    #expect(
      summary(byDefault) == [
        "a/one.wav ok", "a/two.wav ok", "b.wav ok", "c.m4a unsupported_format",
      ])
  }

  @Test func filesNamedDirectlyAreTakenWhateverTheirExtension() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("audio.dat"))
    let result = try runTool("atk-scan", ["--formats", "flac", dir.file("audio.dat")])
    #expect(result.status == 0)
    #expect(summary(result) == ["audio.dat ok"])
  }

  @Test func folderArgumentsAreWalkedInTheOrderGiven() throws {
    let dir = try TemporaryDirectory()
    try goodTree(dir)
    try TestFiles.folder(dir.raw.appending("z"))
    try TestFiles.wav(dir.raw.appending("z/last.wav"))
    let result = try runTool("atk-scan", [dir.file("z"), dir.file("a"), dir.file("b.wav")])
    #expect(result.status == 0)
    #expect(summary(result) == ["last.wav ok", "one.wav ok", "two.wav ok", "b.wav ok"])
    #expect(result.records.first?.path == dir.raw.appending("z/last.wav"))
  }

  @Test func hiddenEntriesAreTakenOnlyWithHidden() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("shown.wav"))
    try TestFiles.wav(dir.raw.appending(".hidden.wav"))
    try TestFiles.folder(dir.raw.appending(".cache"))
    try TestFiles.wav(dir.raw.appending(".cache/inner.wav"))
    let plain = try runTool("atk-scan", [dir.path])
    #expect(summary(plain) == ["shown.wav ok"])
    let hidden = try runTool("atk-scan", ["--hidden", dir.path])
    #expect(summary(hidden) == [".cache/inner.wav ok", ".hidden.wav ok", "shown.wav ok"])
    // A hidden folder named on the command line is walked: only entries below it are filtered.
    let named = try runTool("atk-scan", [dir.file(".cache")])
    #expect(summary(named) == ["inner.wav ok"])
  }

  @Test func nulSeparatedInput() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("new\nline.wav"))
    try TestFiles.wav(dir.raw.appending("plain.wav"))
    let input = Array((dir.file("new\nline.wav") + "\0" + dir.file("plain.wav") + "\0").utf8)
    let result = try runTool("atk-scan", ["-0"], stdinBytes: input)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.records.map { $0.path?.bytes } == [
        Array(dir.file("new\nline.wav").utf8), Array(dir.file("plain.wav").utf8),
      ])
    let long = try runTool("atk-scan", ["--null"], stdinBytes: input)
    #expect(long.stdout == result.stdout)
  }

  @Test func plainPathLines() throws {
    let dir = try TemporaryDirectory()
    try goodTree(dir)
    let input = "\(dir.file("b.wav"))\n\n\(dir.file("a"))\n"
    let result = try runTool("atk-scan", [], stdin: input)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(summary(result) == ["b.wav ok", "one.wav ok", "two.wav ok"])
  }

  @Test func jsonRecordsKeepTheirExtraKeys() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("x.wav"), frames: 160)
    let input = """
      {"path":"\(dir.file("x.wav"))","project":{"id":9007199254740993,"tags":["a","b"]},"origin":"/first/x.wav","note":"caf\\u00e9 \\"q\\""}

      """
    let result = try runTool("atk-scan", [], stdin: input)
    #expect(result.status == 0, "\(result.stderr)")
    let record = try #require(result.records.first)
    #expect(
      record["project"]
        == .object(["id": .int(9_007_199_254_740_993), "tags": .array(["a", "b"])]))
    #expect(record["note"] == "café \"q\"")
    #expect(record.origin == RawPath("/first/x.wav"), "origin is carried, not replaced")
    #expect(record[Record.Key.frames] == .int(160))
    #expect(result.output.contains(#""id":9007199254740993"#))
  }

  @Test func badJSONLineInTheMiddle() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("a.wav"))
    try TestFiles.wav(dir.raw.appending("b.wav"))
    let input = """
      {"path":"\(dir.file("a.wav"))"}
      {"path": oops}
      {"path":"\(dir.file("b.wav"))"}

      """
    let result = try runTool("atk-scan", [], stdin: input)
    #expect(result.status == 1)
    let records = result.records
    try #require(records.count == 3)
    #expect(records[0].path == dir.raw.appending("a.wav"))
    #expect(!records[0].isFailed)
    #expect(records[1].errorInfo?.code == "bad_record")
    #expect(records[1]["line"] == .int(2))
    #expect(records[1]["text"] == #"{"path": oops}"#)
    #expect(records[1][Record.Key.step] == "scan")
    #expect(records[2].path == dir.raw.appending("b.wav"))
    #expect(!records[2].isFailed)
    #expect(result.stderr.hasPrefix("atk-scan: error: line 2: invalid JSON at byte 10: "))
    #expect(result.stderr.split(separator: "\n").count == 1)
  }

  @Test func badRecordTextIsCutAt512Bytes() throws {
    let junk = "{" + String(repeating: "x", count: 2000)
    let result = try runTool("atk-scan", [], stdin: junk + "\n")
    #expect(result.status == 1)
    let text = try #require(result.records.first?["text"]?.stringValue)
    #expect(text.utf8.count == 512)
  }

  @Test func lineOverMaxRecordBytes() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("a.wav"))
    let long = #"{"path":"\#(dir.file("a.wav"))","pad":"\#(String(repeating: "p", count: 300))"}"#
    let input = long + "\n" + dir.file("a.wav") + "\n"
    let result = try runTool("atk-scan", ["--max-record-bytes", "200"], stdin: input)
    #expect(result.status == 1)
    #expect(summary(result) == ["- bad_record", "a.wav ok"])
    #expect(result.records.first?["line"] == .int(1))
    #expect(
      result.stderr.contains(
        "line 1: record of \(long.utf8.count) bytes is longer than the limit of 200"))
    // The same line is fine under the default limit.
    let fine = try runTool("atk-scan", [], stdin: input)
    #expect(fine.status == 0)
  }

  @Test func missingFile() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("a.wav"))
    let result = try runTool("atk-scan", [dir.file("missing.wav"), dir.file("a.wav")])
    #expect(result.status == 1)
    #expect(summary(result) == ["missing.wav not_found", "a.wav ok"])
    #expect(
      result.stderr
        == "atk-scan: error: '\(dir.path)/missing.wav': cannot open: No such file or directory\n")
  }

  @Test func everyKindOfBadFileGetsItsOwnCode() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    let wav = TestAudio.wav(frames: 4000)
    try TestFiles.write(root.appending("1-empty.wav"), [])
    try TestFiles.write(
      root.appending("2-text.wav"), Array(String(repeating: "text ", count: 50).utf8))
    try TestFiles.write(root.appending("3-truncated.wav"), Array(wav.prefix(wav.count / 2)))
    try TestFiles.write(root.appending("4-header-cut.wav"), Array(wav.prefix(30)))
    try TestFiles.write(root.appending("5-song.m4a"), TestFiles.fakeM4A)
    try TestFiles.link(root.appending("6-dangling.wav"), to: "nowhere.wav")
    try TestFiles.link(root.appending("7-loop.wav"), to: "7-loop.wav")
    try TestFiles.write(root.appending("8-good.wav"), wav)
    let result = try runTool("atk-scan", [dir.path, dir.file("9-missing.wav")])
    #expect(result.status == 1)
    #expect(
      summary(result) == [
        "1-empty.wav empty_file", "2-text.wav not_audio", "3-truncated.wav truncated",
        "4-header-cut.wav truncated", "5-song.m4a unsupported_format",
        "6-dangling.wav dangling_link", "7-loop.wav symlink_loop", "8-good.wav ok",
        "9-missing.wav not_found",
      ])
    // One error line per failed record, in input order, each naming the file.
    let errors = result.stderr.split(separator: "\n")
    #expect(errors.count == 8)
    for (line, name) in zip(
      errors, ["1-empty", "2-text", "3-trunc", "4-header", "5-song", "6-dang", "7-loop", "9-miss"])
    {
      #expect(line.hasPrefix("atk-scan: error: '\(dir.path)/\(name)"), "\(line)")
    }
    for record in result.records where record.isFailed {
      #expect(record[Record.Key.step] == "scan")
      #expect(record.errorInfo?.message.isEmpty == false)
      #expect(record.origin == record.path)
    }
  }

  @Test func unreadableFile() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("locked.wav"))
    chmod(dir.file("locked.wav"), 0)
    let result = try runTool("atk-scan", [dir.file("locked.wav")])
    // Root reads any file whatever its mode, so only other users can see this failure.
    if !TestFiles.isRoot {
      #expect(result.status == 1)
      #expect(summary(result) == ["locked.wav unreadable"])
    }
    // A path through a regular file fails for root too (ENOTDIR).
    let through = try runTool("atk-scan", [dir.file("locked.wav/inner.wav")])
    #expect(through.status == 1)
    #expect(summary(through) == ["inner.wav not_found"])
    #expect(through.stderr.contains("Not a directory"))
  }

  @Test func symlinkLoopIsReportedWithoutAHang() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    try TestFiles.folder(root.appending("music"))
    try TestFiles.wav(root.appending("music/a.wav"))
    try TestFiles.link(root.appending("music/again"), to: "..")
    try TestFiles.link(root.appending("music/self"), to: ".")
    let result = try runTool("atk-scan", [dir.path], timeout: 60)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      summary(result) == ["music/a.wav ok", "music/again symlink_loop", "music/self symlink_loop"])
    #expect(result.stderr.contains("'\(dir.path)/music/again': symbolic link loop"))
  }

  @Test func outputIsDeterministic() throws {
    let dir = try TemporaryDirectory()
    try goodTree(dir)
    try TestFiles.write(dir.raw.appending("bad.wav"), [1, 2, 3])
    let first = try runTool("atk-scan", [dir.path])
    let second = try runTool("atk-scan", [dir.path])
    let parallel = try runTool("atk-scan", ["--jobs", "3", dir.path])
    #expect(first.stdout == second.stdout)
    #expect(first.stdout == parallel.stdout)
    #expect(first.stderr == parallel.stderr)
    #expect(first.status == 1 && second.status == 1 && parallel.status == 1)
  }

  @Test func parallelScanOfMixedFilesMatchesASerialOne() throws {
    // Files libsndfile refuses, among good ones: with --jobs its failed opens run alongside
    // other opens (libsndfile keeps their error in globals and closes their descriptors).
    let dir = try TemporaryDirectory()
    let wav = TestAudio.wav(frames: 2000)
    let kinds: [[UInt8]] = [
      wav, Array("text, not audio\n".utf8), Array(wav.prefix(36)), TestFiles.fakeM4A,
      Array(wav.prefix(1500)),
    ]
    for i in 0..<60 {
      try TestFiles.write(dir.raw.appending(String(format: "%02d.wav", i)), kinds[i % kinds.count])
    }
    let serial = try runTool("atk-scan", ["--jobs", "1", dir.path])
    #expect(serial.status == 1)
    #expect(serial.records.filter { !$0.isFailed }.count == 12)
    for _ in 0..<3 {
      let parallel = try runTool("atk-scan", ["--jobs", "4", dir.path])
      #expect(parallel.stdout == serial.stdout)
      #expect(parallel.stderr == serial.stderr)
    }
  }

  @Test func failedRecordsFromUpstreamPassThroughUntouched() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("good.wav"))
    // Already in canonical form, so "untouched" means byte for byte.
    let failed =
      #"{"error":{"code":"cannot_write","message":"disk full"},"origin":"/src/x.wav","path":"/nonexistent/x.wav","status":"failed","step":"convert","zz":[1,{"k":null}]}"#
    let dropped = #"{"dropped":"silent","origin":"/src/y.wav","path":"/nonexistent/y.wav"}"#
    let input = failed + "\n" + dir.file("good.wav") + "\n" + dropped + "\n"
    let result = try runTool("atk-scan", [], stdin: input)
    #expect(result.status == 0, "upstream failures are not this tool's failures")
    #expect(result.stderr == "", "and are not reported again")
    let lines = outputLines(result).map { String(decoding: $0, as: UTF8.self) }
    try #require(lines.count == 3)
    #expect(lines[0] == failed)
    #expect(lines[2] == dropped)
    #expect(result.records[1][Record.Key.status] == "ok")
  }

  @Test func stdoutToDevFull() throws {
    let dir = try TemporaryDirectory()
    try goodTree(dir)
    let result = try runTool("atk-scan", [dir.path], stdoutPath: "/dev/full")
    #expect(result.status == 2)
    #expect(
      result.stderr.contains(
        "atk-scan: error: cannot write to standard output: No space left on device"))
  }

  @Test func unknownFlagIsAUsageError() throws {
    let result = try runTool("atk-scan", ["--no-such-flag", "/tmp"])
    #expect(result.status == 64)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("--no-such-flag"))
  }

  @Test(arguments: [["--jobs", "0"], ["--max-record-bytes", "10"], ["--jobs", "many"]])
  func badOptionValuesAreUsageErrors(arguments: [String]) throws {
    let result = try runTool("atk-scan", arguments)
    #expect(result.status == 64)
    #expect(result.stdout.isEmpty)
  }

  @Test func helpAndVersion() throws {
    let help = try runTool("atk-scan", ["--help"])
    #expect(help.status == 0)
    #expect(help.output.contains("USAGE: atk-scan"))
    #expect(help.output.contains("--formats"))
    let short = try runTool("atk-scan", ["-h"])
    #expect(short.status == 0)
    #expect(short.output == help.output)
    let version = try runTool("atk-scan", ["--version"])
    #expect(version.status == 0)
    #expect(version.output.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
  }
}

@Suite struct ScanOddNameTests {
  static let names = [
    "with space.wav", "it's \"quoted\".wav", "new\nline.wav", "-x.wav", "tab\tname.wav",
    "back\\slash.wav", "é ü 😀.wav", "--.wav",
  ]

  @Test func oddNamesAsArgumentsAfterDoubleDash() throws {
    let dir = try TemporaryDirectory()
    for name in Self.names { try TestFiles.wav(dir.raw.appending(name)) }
    let result = try runTool("atk-scan", ["--"] + Self.names.map { dir.file($0) })
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.records.map { $0.path?.bytes } == Self.names.map { Array(dir.file($0).utf8) })
    #expect(result.records.map { $0.relpath?.bytes } == Self.names.map { Array($0.utf8) })
  }

  @Test func leadingDashNameAsRelativeArgumentAndOnStdin() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("-x.wav"))
    let argument = try runTool("atk-scan", ["--", "-x.wav"], cwd: dir.path)
    #expect(argument.status == 0, "\(argument.stderr)")
    #expect(argument.records.first?.path == RawPath("-x.wav"))
    let withoutDash = try runTool("atk-scan", ["-x.wav"], cwd: dir.path)
    #expect(withoutDash.status == 64, "without -- it is an unknown option")
    let stdin = try runTool("atk-scan", [], stdin: "-x.wav\n", cwd: dir.path)
    #expect(stdin.status == 0, "\(stdin.stderr)")
    #expect(stdin.records.first?.path == RawPath("-x.wav"))
    #expect(stdin.records.first?[Record.Key.frames] == .int(800))
  }

  @Test func oddNamesFoundByWalkingRoundTrip() throws {
    let dir = try TemporaryDirectory()
    for name in Self.names { try TestFiles.wav(dir.raw.appending(name)) }
    let result = try runTool("atk-scan", [dir.path])
    #expect(result.status == 0, "\(result.stderr)")
    let relpaths = result.records.compactMap { $0.relpath?.bytes }
    #expect(
      relpaths == Self.names.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
    // Each record's path, read back from the JSON, opens the same file.
    for record in result.records {
      let path = try #require(record.path)
      #expect(TestFiles.read(path) == TestAudio.wav(frames: 800))
    }
  }

  @Test func nonUTF8NamesRoundTripToTheExactBytes() throws {
    let dir = try TemporaryDirectory()
    // "bad\xff\xfe \xe9.wav"
    let name: [UInt8] = [0x62, 0x61, 0x64, 0xFF, 0xFE, 0x20, 0xE9, 0x2E, 0x77, 0x61, 0x76]
    let path = dir.raw.appending(RawPath(bytes: name))
    try TestFiles.wav(path, frames: 321)

    // Walked from a folder.
    let walked = try runTool("atk-scan", [dir.path])
    #expect(walked.status == 0, "\(walked.stderr)")
    #expect(walked.records.first?.path?.bytes == path.bytes)
    #expect(walked.records.first?.relpath?.bytes == name)
    #expect(walked.output.contains(#"bad\udcff\udcfe \udce9.wav"#))

    // Named as an argument (the shell makes the bytes).
    let argument = try runShell(#"atk-scan "\#(dir.path)"/"$(printf 'bad\377\376 \351.wav')""#)
    #expect(argument.status == 0, "\(argument.stderr)")
    #expect(argument.records.first?.path?.bytes == path.bytes)
    #expect(argument.records.first?[Record.Key.frames] == .int(321))

    // As a raw plain line, NUL-separated, and as a JSON record with \udcXX escapes.
    let plain = try runTool("atk-scan", [], stdinBytes: path.bytes + [0x0A])
    #expect(plain.records.first?.path?.bytes == path.bytes)
    #expect(plain.records.first?[Record.Key.frames] == .int(321))
    let nul = try runTool("atk-scan", ["-0"], stdinBytes: path.bytes + [0])
    #expect(nul.records.first?.path?.bytes == path.bytes)
    let json = try runTool("atk-scan", [], stdinBytes: walked.stdout)
    #expect(json.status == 0)
    #expect(json.stdout == walked.stdout, "scanning a scan's output changes nothing")

    // Diagnostics show the bytes escaped.
    try TestFiles.write(dir.raw.appending(RawPath(bytes: [0xFF] + Array(".wav".utf8))), [])
    let failing = try runTool("atk-scan", [dir.path])
    #expect(failing.status == 1)
    #expect(failing.stderr.contains("/\\xff.wav': cannot open: empty file"))
  }
}
