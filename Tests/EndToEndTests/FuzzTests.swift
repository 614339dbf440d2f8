import ATKTestSupport
import Foundation
import Testing

/// The short, deterministic subset of scripts/fuzz finds nothing.
///
/// `scripts/fuzz --quick --seed 1` gives the built tools damaged audio (truncated, flipped,
/// zeroed, empty, under odd names), hostile record lines and odd option values, and counts
/// crashes, hangs, "ok" records for undecodable input, non-record lines on standard output and
/// accepted bad records (see the script's --help). Run `scripts/fuzz` for the longer search.
@Suite struct FuzzTests {
  @Test func quickFuzzFindsNothing() throws {
    let scratch = try TemporaryDirectory()
    let result = try runTool(
      repositoryRoot + "/scripts/fuzz", ["--quick", "--seed", "1"],
      environment: ["ATK_BIN": toolDirectory, "TMPDIR": scratch.path], timeout: 900)
    let summary =
      "0 crashes, 0 hangs, 0 ok for undecodable input, 0 non-record lines, 0 bad records accepted"
    #expect(
      result.status == 0 && result.output.contains(summary),
      """
      scripts/fuzz --quick --seed 1 exited \(result.status) \
      (run it to keep the failing inputs):
      \(result.output)\(result.stderr)
      """)
  }
}
