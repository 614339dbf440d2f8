import ATKRecords
import ATKTestSupport
import Foundation
import Testing

/// What a person meets before any record flows: completions of values, the help of
/// atk-journal, its notes, and the version every tool and atk-run report.
@Suite struct CommandSurfaceTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  static let formats = ["wav", "flac", "mp3", "ogg", "opus"]

  @Test(arguments: ["bash", "zsh", "fish"])
  func formatsAreCompleted(shell: String) throws {
    for tool in ["atk-convert", "atk-split"] {
      let script = try runTool(tool, ["--generate-completion-script", shell])
      #expect(script.status == 0, "\(script.stderr)")
      for format in Self.formats {
        #expect(script.output.contains(format), "\(tool)'s \(shell) completion lacks \(format)")
      }
    }
  }

  @Test func formatsAreReadAsBeforeAndABadOneNamesTheChoices() throws {
    try TestFiles.wav(dir.raw.appending("a.wav"), frames: 800)
    for (name, ext) in [("FLAC", "flac"), ("wave", "wav"), ("vorbis", "ogg")] {
      let result = try runTool("atk-convert", [name, "-o", dir.file(name), dir.file("a.wav")])
      #expect(result.status == 0, "\(name): \(result.stderr)")
      #expect(TestFiles.exists(dir.raw.appending("\(name)/a.\(ext)")), "\(name)")
    }
    let split = try runTool(
      "atk-split", ["1", "--format", "Opus", "-o", dir.file("s"), dir.file("a.wav")])
    #expect(split.status == 0, "\(split.stderr)")
    #expect(split.records.first?["format"]?.stringValue == "opus")
    for arguments in [["aiff", "a.wav"], ["1", "--format", "aiff", "a.wav"]] {
      let tool = arguments[0] == "aiff" ? "atk-convert" : "atk-split"
      let bad = try runTool(tool, arguments, cwd: dir.path)
      #expect(bad.status == 64)
      #expect(bad.stdout.isEmpty)
      #expect(bad.stderr.hasPrefix("\(tool): error: "), "\(bad.stderr)")
      #expect(bad.stderr.contains("'aiff'"), "\(bad.stderr)")
      #expect(bad.stderr.contains("'opus'"), "\(bad.stderr)")
    }
  }

  // MARK: - atk-journal

  static let runnerSubcommands = ["begin", "mark-scanned", "finish", "reset-failed", "counts"]

  @Test func journalHelpShowsTheUserSubcommands() throws {
    let help = try runTool("atk-journal", ["--help"])
    #expect(help.status == 0)
    let listed = ManPageTests.subcommands(inHelp: help.output)
    #expect(listed.contains("status"), "\(listed)")
    for name in Self.runnerSubcommands {
      #expect(!listed.contains(name), "\(name) is listed: \(help.output)")
      let own = try runTool("atk-journal", [name, "--help"])
      #expect(own.status == 0, "\(name) --help: \(own.stderr)")
    }
    #expect(help.output.contains("Runner subcommands"), "\(help.output)")
    let unknown = try runTool("atk-journal", ["delete"])
    #expect(unknown.status == 64)
    #expect(!unknown.stderr.contains("begin"), "\(unknown.stderr)")
  }

  @Test func aNewSessionIsNamedInANoteThatQuietHides() throws {
    let db = dir.file("j.db")
    let named = try runTool("atk-journal", ["--db", db])
    #expect(named.status == 0, "\(named.stderr)")
    #expect(
      named.stderr.wholeMatch(of: /atk-journal: note: session \d{8}-\d{6}-[0-9a-f]{4}\n/) != nil,
      "\(named.stderr)")
    let quiet = try runTool("atk-journal", ["--db", db, "-q"])
    #expect(quiet.status == 0)
    #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
    let help = try runTool("atk-journal", ["tee", "--help"]).output
    #expect(help.contains("Hide warnings and notes (errors are always shown)"), "\(help)")
  }

  @Test func journalCountsASession() throws {
    let db = dir.file("j.db")
    let record = #"{"origin":"a.wav","path":"a.wav"}"# + "\n"
    #expect(
      try runTool("atk-journal", ["--db", db, "-s", "s", "--pending"], stdin: record)
        .status == 0)
    let counts = try runTool("atk-journal", ["counts", "s", "--db", db])
    #expect(counts.status == 0, "\(counts.stderr)")
    #expect(counts.output == "1 0 0 1\n")
    #expect(try runTool("atk-journal", ["--db", db, "-s", "s"], stdin: record).status == 0)
    #expect(try runTool("atk-journal", ["counts", "s", "--db", db]).output == "1 1 0 0\n")
    #expect(try runTool("atk-journal", ["counts", "nope", "--db", db]).status == 2)
  }

  // MARK: - Version

  @Test func atkRunReportsTheVersionOfTheToolsItRuns() throws {
    let journal = try runTool("atk-journal", ["--version"])
    let run = try runTool(repositoryRoot + "/scripts/atk-run", ["--version"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.output == "atk-run " + journal.output)
    // Tools of another version next to it: atk-run says theirs, having none of its own.
    let bin = dir.file("bin")
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    try TestFiles.write(
      RawPath(bin + "/atk-journal"), Array("#!/bin/sh\necho 9.8.7\n".utf8))
    chmod(bin + "/atk-journal", 0o755)
    let other = try runTool(
      repositoryRoot + "/scripts/atk-run", ["--version"], environment: ["ATK_BIN": bin])
    #expect(other.output == "atk-run 9.8.7\n", "\(other.output) \(other.stderr)")
  }

  @Test func manualPagesCarryTheToolsVersion() throws {
    let version = try runTool("atk-journal", ["--version"]).output
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let pages = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/man")
    #expect(!pages.isEmpty)
    for page in pages {
      let text = try String(contentsOfFile: repositoryRoot + "/man/" + page, encoding: .utf8)
      #expect(text.contains("\n.Os atk \(version)\n"), "man/\(page)")
    }
  }
}
