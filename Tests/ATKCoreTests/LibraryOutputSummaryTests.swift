import Testing

@testable import ATKKit

/// How a library's first line becomes the warning text (the capture itself runs in the tools:
/// see EndToEndTests/LibraryOutputTests).
@Suite struct LibraryOutputSummaryTests {
  func summary(_ line: String, lines: Int = 1) -> String {
    LibraryOutput.summary(of: Array(line.utf8), lines: lines).description
  }

  @Test func mpg123LocationAndSeverityAreDropped() {
    let line = "[src/libmpg123/layer3.c:III_get_side_info():202] error: big_values too large!"
    #expect(summary(line, lines: 6) == "decoder: big_values too large! (5 more)")
    #expect(
      summary("Note: Illegal Audio-MPEG-Header 0xfffb6d64 at offset 28839.", lines: 3)
        == "decoder: Illegal Audio-MPEG-Header 0xfffb6d64 at offset 28839. (2 more)")
  }

  @Test func otherLinesAreTheLibrarysWords() {
    #expect(summary("Not a valid error number (-1).") == "library: Not a valid error number (-1).")
    #expect(summary("  padded  \r") == "library: padded")
    let long = LibraryOutput.summary(of: Array(repeating: 0x41, count: 900), lines: 1)
    #expect(long.first.count == 300)
  }
}
