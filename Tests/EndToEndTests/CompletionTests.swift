import ATKTestSupport
import Foundation
import Testing

/// Shell completions (bash, zsh, fish) name every long option of every tool.
///
/// The Swift tools generate theirs (`--generate-completion-script SHELL`, which
/// scripts/install.sh installs); atk-run's are written by hand in completions/.
@Suite struct CompletionTests {
  static let shells = ["bash", "zsh", "fish"]

  /// The long options of `tool`'s help, and of each subcommand's help.
  func longOptions(of tool: String) throws -> Set<String> {
    let help = try runTool(tool, ["--help"]).output
    var options = ManPageTests.longOptions(inHelp: help)
    if let section = help.range(of: "SUBCOMMANDS:") {
      let names = help[section.upperBound...].split(separator: "\n").compactMap {
        $0.split(separator: " ").first.map(String.init)
      }
      for name in names where !name.hasPrefix("-") {
        let sub = try runTool(tool, [name, "--help"])
        if sub.status == 0 { options.formUnion(ManPageTests.longOptions(inHelp: sub.output)) }
      }
    }
    options.subtract(["help", "version"])
    return options
  }

  @Test(arguments: ManPageTests.tools)
  func generatedCompletionsNameEveryOption(tool: String) throws {
    let options = try longOptions(of: tool)
    #expect(!options.isEmpty, "\(tool) --help lists no options")
    for shell in Self.shells {
      let result = try runTool(tool, ["--generate-completion-script", shell])
      #expect(result.status == 0, "\(tool) \(shell): \(result.stderr)")
      for option in options.sorted() {
        #expect(
          result.output.contains("--\(option)") || result.output.contains("-l \(option)")
            || result.output.contains("-l '\(option)'"),
          "\(tool)'s \(shell) completion lacks --\(option)")
      }
    }
  }

  @Test func atkRunCompletionsNameEveryOption() throws {
    let help = try runTool(repositoryRoot + "/scripts/atk-run", ["--help"]).output
    // The option column of the lines that define options (`  -j, --jobs N       run N…`);
    // the descriptions name other tools' options.
    let definitions = help.split(separator: "\n").filter { $0.hasPrefix("  -") }.map {
      String($0.prefix(21))
    }
    let options = ManPageTests.longOptions(inHelp: definitions.joined(separator: "\n"))
    #expect(options.contains("resume"))
    for file in ["atk-run.bash", "_atk-run", "atk-run.fish"] {
      let text = try String(
        contentsOfFile: repositoryRoot + "/completions/" + file, encoding: .utf8)
      for option in options.sorted() {
        #expect(
          text.contains("--\(option)") || text.contains("-l \(option)"),
          "completions/\(file) lacks --\(option)")
      }
    }
  }

  @Test func atkRunCompletionsAreValidShell() throws {
    let bash = try runTool("/bin/bash", ["-n", repositoryRoot + "/completions/atk-run.bash"])
    #expect(bash.status == 0, "\(bash.stderr)")
  }
}
