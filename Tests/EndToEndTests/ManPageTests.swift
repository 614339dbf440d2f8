import ATKTestSupport
import Foundation
import Testing

/// Every executable has a manual page, and the page names every long option `--help` lists.
///
/// The pages live in `man/`; `ATK_MAN_DIR` points the check at another folder (a docs branch's
/// worktree, say) before the pages are merged.
@Suite struct ManPageTests {
  static let manDirectory =
    ProcessInfo.processInfo.environment["ATK_MAN_DIR"] ?? repositoryRoot + "/man"

  /// The executables: every `Sources/atk-*` folder.
  static let tools: [String] = {
    let names =
      (try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/Sources")) ?? []
    return names.filter { $0.hasPrefix("atk-") }.sorted()
  }()

  /// The long options in a `--help` text: every `--word` token.
  static func longOptions(inHelp text: String) -> Set<String> {
    var options = Set<String>()
    let pattern = /(?:^|[\s\[,|(])--([a-z0-9][a-z0-9-]*)/
    for line in text.split(separator: "\n") {
      for match in line.matches(of: pattern) { options.insert(String(match.1)) }
    }
    return options
  }

  /// The long options a page mentions, read loosely: on any line using the `Fl` macro, each
  /// word that starts with `-` (mdoc's `Fl -name` prints `--name`); anywhere, `--name` or
  /// `\-\-name` as written in man(7) style.
  static func longOptions(inPage text: String) -> Set<String> {
    let cleaned = text.replacingOccurrences(of: "\\&", with: "")
      .replacingOccurrences(of: "\\-", with: "-")
    var options = Set<String>()
    let trim = CharacterSet(charactersIn: ",.;:)(|[]\"")
    for line in cleaned.split(separator: "\n") {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      if words.contains(where: { $0 == "Fl" || $0 == ".Fl" }) {
        for word in words where word.hasPrefix("-") {
          let name = String(word).trimmingCharacters(in: trim).drop { $0 == "-" }
          if !name.isEmpty { options.insert(String(name)) }
        }
      }
      for match in line.matches(of: /--([a-z0-9][a-z0-9-]*)/) { options.insert(String(match.1)) }
    }
    return options
  }

  @Test func thereAreToolsToCheck() {
    #expect(Self.tools.contains("atk-scan"), "no Sources/atk-* folders under \(repositoryRoot)")
  }

  @Test(arguments: tools)
  func toolHasAPageNamingEveryLongOption(tool: String) throws {
    let pagePath = Self.manDirectory + "/\(tool).1"
    guard let page = try? String(contentsOfFile: pagePath, encoding: .utf8) else {
      Issue.record("\(tool) has no manual page at \(pagePath)")
      return
    }
    #expect(
      page.contains(".Nm \(tool)") || page.contains(".TH \(tool.uppercased())"),
      "\(pagePath) does not name \(tool)")
    let help = try runTool(tool, ["--help"], timeout: 60)
    #expect(help.status == 0, "\(tool) --help: \(help.stderr)")
    var options = Self.longOptions(inHelp: help.output)
    for subcommand in Self.subcommands(inHelp: help.output) {
      let subhelp = try runTool(tool, [subcommand, "--help"], timeout: 60)
      #expect(subhelp.status == 0, "\(tool) \(subcommand) --help: \(subhelp.stderr)")
      options.formUnion(Self.longOptions(inHelp: subhelp.output))
    }
    let documented = Self.longOptions(inPage: page)
    for option in options.sorted() {
      #expect(documented.contains(option), "\(tool).1 does not mention --\(option)")
    }
  }

  /// The subcommands a `--help` text lists under `SUBCOMMANDS:` (ArgumentParser's layout).
  static func subcommands(inHelp text: String) -> [String] {
    var names: [String] = []
    var inSection = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("SUBCOMMANDS:") {
        inSection = true
        continue
      }
      guard inSection else { continue }
      // The list ends at the first blank line (a "See '... help'" note follows).
      if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
      // Entries are indented by two spaces; wrapped descriptions by many more.
      if line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first {
        names.append(String(name))
      }
    }
    return names
  }

  @Test(arguments: tools)
  func pageLintsClean(tool: String) throws {
    let pagePath = Self.manDirectory + "/\(tool).1"
    // groff is a documentation tool, not a build dependency; without it there is nothing to run.
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/groff"),
      FileManager.default.fileExists(atPath: pagePath)
    else { return }
    let lint = try runTool("/usr/bin/groff", ["-mandoc", "-ww", "-z", pagePath], timeout: 60)
    #expect(lint.stderr == "", "groff warns about \(tool).1")
  }

  @Test func parsersReadTheUsualForms() {
    let help = """
      USAGE: atk-x [--formats <list>] [--null] <paths> ...
        -0, --null              Read NUL-separated paths.
        --max-record-bytes <bytes>
        -h, --help              Show help information.
      """
    #expect(Self.longOptions(inHelp: help) == ["formats", "null", "max-record-bytes", "help"])
    let page = """
      .Op Fl -formats Ar list
      .It Fl 0 , Fl -null
      .Fl \\-max\\-record\\-bytes Ar bytes
      .Fl -help | -version
      Use \\-\\-quiet to hide warnings.
      The word -not-a-flag outside flag macros does not count.
      """
    #expect(
      Self.longOptions(inPage: page)
        == ["formats", "null", "max-record-bytes", "help", "version", "quiet"])
    let withSubcommands = """
      USAGE: atk-j <subcommand>

      SUBCOMMANDS:
        tee (default)           Copy records from standard input to standard output
                                and record them (default).
        list                    List recent sessions.

        See 'atk-j help <subcommand>' for detailed help.
      """
    #expect(Self.subcommands(inHelp: withSubcommands) == ["tee", "list"])
  }
}
