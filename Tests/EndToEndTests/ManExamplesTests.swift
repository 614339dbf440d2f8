import ATKTestSupport
import Foundation
import Testing

/// Every command in the manual pages' EXAMPLES sections runs as written, and succeeds.
///
/// The examples are read from the pages themselves (each `.Bd -literal` block of a page's
/// EXAMPLES section is one example), so a page cannot show a command that fails. Each block
/// runs in a fresh temporary HOME and working folder holding the files the examples name
/// (`raw/`, `masters/`, `corpus/`, `take.wav`, `episode.wav`, `records.ndjson`, in both), with
/// the built tools and scripts/ first on PATH and a journal of its own. A block must pass
/// `sh -n` (the pages promise POSIX sh), and then runs under `bash -e -o pipefail`, so a
/// failing command anywhere in a block, even early in a pipeline, fails it; standard input is
/// a saved record stream. A block whose text starts with `{` shows a record, not a command.
///
/// A few examples need a situation the page's prose describes ("after an interruption"), or
/// cannot run here (other machines): `expectations` says what each gets, and why.
@Suite struct ManExamplesTests {
  static let manDirectory =
    ProcessInfo.processInfo.environment["ATK_MAN_DIR"] ?? repositoryRoot + "/man"

  /// One `.Bd -literal` block of a page's EXAMPLES section, as a shell would read it.
  struct Example: Sendable, CustomTestStringConvertible {
    var page: String
    /// 1 for the page's first block.
    var number: Int
    var script: String
    /// Text in the block that a shell would not see as the page shows it (a macro, an unknown
    /// escape).
    var problems: [String]

    var testDescription: String {
      "\(page) example \(number): \(script.split(separator: "\n").first ?? "")"
    }
  }

  /// What one example gets beyond the common fixtures, or does instead of exiting 0.
  struct Expectation: Sendable {
    var page: String
    /// A piece of the example's text that names it.
    var marker: String
    /// Shell run first, in the same HOME and folder: the situation the page describes.
    var setup = ""
    /// Replacements applied to the text before it runs (the text as written is still
    /// syntax-checked).
    var rewrite: [(String, String)] = []
    var status: Int32 = 0
    var stderrContains = ""
    var why: String
  }

  /// Keep this short; every entry says why the example cannot simply run and exit 0.
  static let expectations: [Expectation] = [
    Expectation(
      page: "atk-journal.1", marker: "atk-journal pending raw",
      setup: "atk-scan ~/raw | atk-journal --pending -s raw > /dev/null",
      why: "'after an interruption': a session raw whose files were registered, none completed"),
    Expectation(
      page: "atk-journal.1", marker: "atk-journal show raw --json",
      setup: """
        : > ~/raw/empty.wav
        atk-scan ~/raw | atk-journal --pending -s raw | atk-convert flac -o out |
          atk-journal -s raw > /dev/null || [ $? -eq 1 ]
        """,
      why: "'the origins that failed': a session raw in which one file failed"),
    Expectation(
      page: "atk-journal.1", marker: "atk-journal clean --older-than",
      setup: "atk-scan ~/raw | atk-journal -s old > /dev/null",
      why: "a journal to clean; with none at all, clean says it does not exist (status 2)"),
    Expectation(
      page: "atk-run.1", marker: "~/raw\natk-run --db journal.db --resume",
      status: 2, stderrContains: "complete",
      why: """
        the Ctrl+C comes from the reader: run as written the batch completes, and resuming a \
        complete batch is an error (status 2) as the page says; RunTests and scripts/crashloop \
        interrupt real batches
        """),
    Expectation(
      page: "atk-run.1", marker: "--resume --retry-failed",
      setup: """
        : > ~/raw/late.wav
        atk-run --db journal.db 'atk-convert mp3 -o out' ~/raw 2> /dev/null || [ $? -eq 1 ]
        cp ~/raw/a.wav ~/raw/late.wav
        """,
      why: "'after fixing what made them fail': a batch in which an empty file failed, then fixed"),
    Expectation(
      page: "atk-run.1", marker: "--sshlogin 4/alpha,4/beta",
      rewrite: [("cd /srv/audio\n", ""), ("atk-run --jobs", "atk-run --dry-run --jobs")],
      why: """
        hosts alpha and beta and /srv/audio do not exist here: run the --dry-run form, in a \
        folder holding raw/
        """),
  ]

  /// Every example of every page in man/, in page order.
  static let examples: [Example] = {
    let names =
      (try? FileManager.default.contentsOfDirectory(atPath: manDirectory))?
      .filter { $0.hasSuffix(".1") || $0.hasSuffix(".5") }.sorted() ?? []
    return names.flatMap { name in
      let text = (try? String(contentsOfFile: manDirectory + "/" + name, encoding: .utf8)) ?? ""
      return parseExamples(page: name, text: text)
    }
  }()

  /// The literal blocks of an mdoc page's EXAMPLES section, with roff escapes turned into the
  /// characters the reader sees.
  static func parseExamples(page: String, text: String) -> [Example] {
    var examples: [Example] = []
    var inSection = false
    var block: [String]?
    var problems: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix(".Sh ") {
        inSection = line.trimmingCharacters(in: .whitespaces) == ".Sh EXAMPLES"
        continue
      }
      guard inSection else { continue }
      if block == nil {
        if line.hasPrefix(".Bd "), line.contains("-literal") {
          block = []
          problems = []
        }
        continue
      }
      if line.hasPrefix(".Ed") {
        let script = block!.joined(separator: "\n")
        let isRecord = script.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{")
        if !isRecord {
          examples.append(
            Example(page: page, number: examples.count + 1, script: script, problems: problems))
        }
        block = nil
        continue
      }
      if line.hasPrefix(".") || line.hasPrefix("'") {
        problems.append("a roff request in a literal block: \(line)")
      }
      let (plain, unknown) = unescape(String(line))
      problems += unknown.map { "unknown escape \($0) in: \(line)" }
      block!.append(plain)
    }
    return examples
  }

  /// Roff escapes in literal text, as the page shows them.
  static let escapes: [String: String] = [
    "\\e": "\\", "\\\\": "\\", "\\-": "-", "\\&": "", "\\(aq": "'", "\\(dq": "\"",
    "\\(ga": "`", "\\(ti": "~", "\\(ha": "^", "\\(rs": "\\",
  ]

  /// `line` with its escapes replaced, and the escapes it could not read.
  static func unescape(_ line: String) -> (String, [String]) {
    var out = ""
    var unknown: [String] = []
    var rest = Substring(line)
    while let slash = rest.firstIndex(of: "\\") {
      out += rest[..<slash]
      rest = rest[slash...]
      if let (escape, value) = escapes.first(where: { rest.hasPrefix($0.key) }) {
        out += value
        rest = rest.dropFirst(escape.count)
      } else {
        unknown.append(String(rest.prefix(4)))
        out += "\\"
        rest = rest.dropFirst()
      }
    }
    return (out + rest, unknown)
  }

  /// The files the examples name, written below `folder`.
  static func populate(_ folder: String) throws {
    for sub in ["raw/sub", "masters", "corpus/speaker1"] {
      try FileManager.default.createDirectory(
        atPath: folder + "/" + sub, withIntermediateDirectories: true)
    }
    try TestAudio.writeWAV(folder + "/raw/a.wav", frames: 8000 * 31)
    try TestAudio.writeWAV(folder + "/raw/sub/b c.wav", frames: 12000, channels: 2)
    let source = folder + "/raw/sub/.c.source.wav"
    try TestAudio.writeWAV(source, frames: 44100 * 2, sampleRate: 44100, channels: 2)
    let lame = try runTool(
      "/usr/bin/lame", ["--quiet", "-V", "2", source, folder + "/raw/sub/c.mp3"])
    guard lame.status == 0 else { throw CocoaError(.fileWriteUnknown) }
    try FileManager.default.removeItem(atPath: source)
    try TestAudio.writeWAV(folder + "/masters/take1.wav", frames: 8000)
    try TestAudio.writeWAV(folder + "/masters/take2.wav", frames: 4000, channels: 2)
    try TestAudio.writeWAV(folder + "/corpus/speaker1/u1.wav", frames: 8000 * 25)
    try TestAudio.writeWAV(folder + "/corpus/u2.wav", frames: 44100, sampleRate: 44100, channels: 2)
    try TestAudio.writeWAV(folder + "/episode.wav", frames: 8000 * 3, channels: 2)
    try TestAudio.writeWAV(folder + "/take.wav", frames: 8000 * 65)
    try Data(savedStream.utf8).write(to: URL(fileURLWithPath: folder + "/records.ndjson"))
  }

  /// A saved record stream: the examples' `records.ndjson`, and their standard input.
  static let savedStream: String = [
    #"{"channels":1,"format":"wav","frames":8000,"origin":"raw/a.wav","#
      + #""part":[{"count":2,"index":1}],"path":"out/a_segment_001.wav","status":"ok","#
      + #""step":"split"}"#,
    #"{"channels":1,"format":"wav","frames":800,"origin":"raw/a.wav","#
      + #""part":[{"count":2,"index":2}],"path":"out/a_segment_002.wav","status":"ok","#
      + #""step":"split"}"#,
    #"{"error":{"code":"empty_file","message":"cannot open: empty file (0 bytes)"},"#
      + #""origin":"raw/x.wav","path":"raw/x.wav","relpath":"x.wav","status":"failed","#
      + #""step":"scan"}"#,
    #"{"channels":1,"format":"wav","frames":800,"origin":"raw/caf\udce9.wav","#
      + #""path":"raw/caf\udce9.wav","relpath":"caf\udce9.wav","status":"ok","step":"scan"}"#,
  ].map { $0 + "\n" }.joined()

  @Test func thePagesHaveExamples() {
    #expect(
      Self.examples.count >= 30,
      "found \(Self.examples.count) examples in \(Self.manDirectory)")
    for page in ["atk-scan.1", "atk-convert.1", "atk-split.1", "atk-journal.1", "atk-run.1"] {
      #expect(Self.examples.contains { $0.page == page }, "\(page) has no examples")
    }
  }

  @Test func everyExpectationNamesOneExample() {
    for expectation in Self.expectations {
      let matches = Self.examples.filter {
        $0.page == expectation.page && $0.script.contains(expectation.marker)
      }
      #expect(
        matches.count == 1,
        "\(expectation.page): '\(expectation.marker)' names \(matches.count) examples")
      for (from, _) in expectation.rewrite {
        #expect(
          matches.allSatisfy { $0.script.contains(from) },
          "\(expectation.page): the rewrite of '\(from)' no longer applies")
      }
    }
  }

  @Test func examplesAreReadAsThePageShowsThem() {
    let page = """
      .Sh DESCRIPTION
      .Bd -literal
      not an example
      .Ed
      .Sh EXAMPLES
      Text.
      .Bd -literal -offset indent
      atk-run \\e
          'a | b' x \\(aqy\\(aq \\-\\-z
      .Ed
      .Bd -literal
      {"a":1}
      .Ed
      .Bd -literal
      .Ar bad \\*q
      .Ed
      .Sh SEE ALSO
      """
    let examples = Self.parseExamples(page: "p.1", text: page)
    #expect(examples.map(\.script) == ["atk-run \\\n    'a | b' x 'y' --z", ".Ar bad \\*q"])
    #expect(examples.map(\.problems.count) == [0, 2])
  }

  @Test(arguments: examples)
  func exampleRunsAsWritten(_ example: Example) throws {
    let name = "\(example.page) example \(example.number)"
    #expect(example.problems.isEmpty, "\(name): \(example.problems)")
    let expectation = Self.expectations.first {
      $0.page == example.page && example.script.contains($0.marker)
    }
    let syntax = try runTool("/bin/sh", ["-n", "-c", example.script], timeout: 60)
    #expect(
      syntax.status == 0,
      "\(name) is not POSIX sh:\n\(example.script)\n\(syntax.stderr)")

    let dir = try TemporaryDirectory()
    let home = dir.file("home")
    let work = dir.file("work")
    for folder in [home, work, dir.file("tmp")] {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    try Self.populate(home)
    try Self.populate(work)
    let environment = [
      "HOME": home, "ATK_JOURNAL": dir.file("journal.db"), "TMPDIR": dir.file("tmp"),
      "XDG_STATE_HOME": home + "/.local/state",
      "PATH": toolDirectory + ":" + repositoryRoot + "/scripts:"
        + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
    ]
    func shell(_ script: String) throws -> ToolResult {
      try runTool(
        "/bin/bash", ["-e", "-o", "pipefail", "-c", script],
        stdinBytes: Array(Self.savedStream.utf8), cwd: work, environment: environment,
        timeout: 300)
    }

    if let setup = expectation?.setup, !setup.isEmpty {
      let prepared = try shell(setup)
      try #require(
        prepared.status == 0,
        "\(name): setup exited \(prepared.status):\n\(setup)\n\(prepared.stderr)")
    }
    var script = example.script
    for (from, to) in expectation?.rewrite ?? [] {
      script = script.replacingOccurrences(of: from, with: to)
    }
    let result = try shell(script)
    let status = expectation?.status ?? 0
    let needle = expectation?.stderrContains ?? ""
    #expect(
      result.status == status && (needle.isEmpty || result.stderr.contains(needle)),
      """
      \(name) exited \(result.status), expected \(status)\
      \(needle.isEmpty ? "" : " with '\(needle)' on stderr"):
      \(script)
      --- stderr:
      \(result.stderr)
      """)
  }
}
