import Testing

@testable import ATKKit

/// The durations, bit rates and ages people type, and the texts that must be refused.
@Suite struct ValueSyntaxTests {
  @Test(arguments: [
    ("90", 90.0), ("1.5", 1.5), (".25", 0.25), ("5.", 5.0), ("0", 0), ("30s", 30), ("0.5s", 0.5),
    ("1:30", 90), ("0:00.25", 0.25), ("90:00", 5400), ("1:02:03", 3723), ("01:02:03.5", 3723.5),
    ("0:59:59.5", 3599.5), ("-5", -5), ("-1:30", -90), ("1000000000", 1e9),
    ("277777:46:40", 1e9),
  ])
  func durationsInEveryForm(text: String, seconds: Double) throws {
    #expect(try ValueSyntax.seconds(in: text) == seconds)
  }

  @Test(arguments: [
    "", "s", "-", "--5", "+5", "1m", "1h", "1e3", "1e18", "inf", "nan", "0x10", " 1", "1 ",
    "1,5", "1.5.2", ":30", "1:", "1:5", "1:005", "1:60", "1:30:60", "1:60:00", "1:30s",
    "1.5:30", "1:2:3:4", "1ss", "٣", "5\u{301}",
  ])
  func notDurations(text: String) {
    #expect(throws: ValueSyntaxError.self) { try ValueSyntax.seconds(in: text) }
  }

  @Test(arguments: [
    "1000000000.001", "9223372036854775807", "277777:46:41", String(repeating: "9", count: 400),
  ])
  func durationsOverTheMaximumAreRefusedAsSuch(text: String) {
    #expect(throws: ValueSyntaxError(expected: "at most 1000000000 seconds (about 31 years)")) {
      try ValueSyntax.seconds(in: text)
    }
  }

  @Test func theMessageNamesTheValueAndTheText() {
    let error = ValueSyntaxError(expected: "a duration such as 90")
    #expect(
      error.message(for: "SECONDS", text: "1m")
        == "SECONDS must be a duration such as 90, not '1m'")
  }

  @Test func bitRates() throws {
    #expect(try ValueSyntax.kilobits(in: "192") == 192)
    #expect(try ValueSyntax.kilobits(in: "192k") == 192)
    #expect(try ValueSyntax.kilobits(in: "0") == 0)
    for text in ["", "k", "-5", "192K", "192kb", "192 k", "1.5k", "9999999999", "1e3"] {
      #expect(throws: ValueSyntaxError.self) { try ValueSyntax.kilobits(in: text) }
    }
  }

  @Test func ages() throws {
    let cases: [(String, Int)] = [
      ("0s", 0), ("45s", 45), ("30min", 1800), ("12h", 43200), ("7d", 604_800), ("7", 604_800),
      ("2w", 1_209_600), ("6mo", 15_552_000), ("1000000000s", 1_000_000_000),
    ]
    for (text, seconds) in cases { #expect(try ValueSyntax.ageSeconds(in: text) == seconds) }
    for text in ["", "m", "1m", "1M", "1y", "1.5d", "-1d", "d", "1 d", "1dd", "1mins"] {
      #expect(throws: ValueSyntaxError.self) { try ValueSyntax.ageSeconds(in: text) }
    }
    for text in ["1000000001s", "99999999999w", "400mo"] {
      #expect(throws: ValueSyntaxError(expected: "at most 1000000000 seconds (about 31 years)")) {
        try ValueSyntax.ageSeconds(in: text)
      }
    }
  }
}
