/// The forms people type for a length of time, a bit rate and an age, read in one place.
///
/// Each reader takes the text as typed and returns its value, or throws a `ValueSyntaxError`
/// saying what was expected, so every tool words the same mistake the same way. Ranges that
/// depend on the use (greater than 0, a codec's bit rates) are the caller's to check; turning
/// seconds into frames is the stage's.
public enum ValueSyntax {
  /// The longest duration or age taken: 10^9 seconds, about 31.7 years.
  ///
  /// At 768 kHz, the highest sample rate atk writes, that is 7.68 × 10^14 frames, far inside
  /// `Int64`, so no frame arithmetic on a duration can overflow.
  public static let maximumSeconds = 1_000_000_000

  /// The forms of a duration, for messages and manual pages.
  public static let durationForms = "a duration such as 90, 1.5, 30s, 1:30 or 1:02:03"

  /// The seconds in a duration: `SS`, `SS.s` or either followed by `s`; `MM:SS` or `HH:MM:SS`
  /// with two-digit minutes and seconds below 60 after a colon, the last field may have a
  /// fraction.
  ///
  /// A leading `-` gives a negative value, so that the caller can reject it with its own
  /// reason ("must be greater than 0") instead of a syntax error.
  ///
  /// - Throws: `ValueSyntaxError` for any other text, or a value over `maximumSeconds`.
  public static func seconds(in text: String) throws(ValueSyntaxError) -> Double {
    var body = Substring(text)
    let negative = body.first == "-"
    if negative { body = body.dropFirst() }
    var fields = body.split(separator: ":", omittingEmptySubsequences: false)
    guard (1...3).contains(fields.count) else { throw ValueSyntaxError(expected: durationForms) }
    if fields.count == 1 && fields[0].hasSuffix("s") { fields[0] = fields[0].dropLast() }
    var total = 0.0
    for (index, field) in fields.enumerated() {
      let isLast = index == fields.count - 1
      let whole = isLast ? field.prefix { $0 != "." } : field
      let fraction = field.dropFirst(whole.count)
      guard whole.allSatisfy(\.isASCIIDigit), fraction.dropFirst().allSatisfy(\.isASCIIDigit),
        !(whole.isEmpty && fraction.count < 2), index == 0 || whole.count == 2
      else { throw ValueSyntaxError(expected: durationForms) }
      // Only digits and one '.' are left, so the conversion succeeds (inf for a huge field).
      let value = Double(whole.isEmpty ? "0" + field : field) ?? .infinity
      if index > 0 && value >= 60 {
        throw ValueSyntaxError(
          expected: durationForms + ", with minutes and seconds after a ':' from 00 to 59")
      }
      total = total * 60 + value
    }
    guard total <= Double(maximumSeconds) else {
      throw ValueSyntaxError(expected: "at most \(maximumSeconds) seconds (about 31 years)")
    }
    return negative ? -total : total
  }

  /// The forms of a bit rate, for messages and manual pages.
  public static let bitRateForms = "a bit rate in kbit/s such as 192 or 192k"

  /// The kbit/s in a bit rate typed as a whole number, optionally followed by `k`.
  ///
  /// - Throws: `ValueSyntaxError` for any other text.
  public static func kilobits(in text: String) throws(ValueSyntaxError) -> Int {
    let digits = text.hasSuffix("k") ? text.dropLast() : Substring(text)
    guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCIIDigit),
      let value = Int(digits)
    else { throw ValueSyntaxError(expected: bitRateForms) }
    return value
  }

  /// The units of an age, with their seconds; `m` alone is refused, as it could be minutes or
  /// months.
  public static let ageUnits: KeyValuePairs<String, Int> = [
    "s": 1, "min": 60, "h": 3600, "d": 86400, "w": 604_800, "mo": 2_592_000,
  ]

  /// The forms of an age, for messages and manual pages.
  public static let ageForms = "an age such as 30min, 12h, 7d, 2w or 6mo"

  /// The seconds in an age: a whole number and one of `ageUnits` (a month is 30 days), or a
  /// bare whole number of days.
  ///
  /// - Throws: `ValueSyntaxError` for any other text (`1m` included), or an age over
  ///   `maximumSeconds`.
  public static func ageSeconds(in text: String) throws(ValueSyntaxError) -> Int {
    let digits = text.prefix(while: \.isASCIIDigit)
    let unit = text.dropFirst(digits.count)
    let perUnit = unit.isEmpty ? 86400 : ageUnits.first { $0.key == unit }?.value
    guard !digits.isEmpty, let perUnit else {
      let units = ageUnits.map(\.key).joined(separator: ", ")
      throw ValueSyntaxError(expected: ageForms, hint: "units: \(units); a bare number is days")
    }
    guard digits.count <= 10, let count = Int(digits), count * perUnit <= maximumSeconds else {
      throw ValueSyntaxError(expected: "at most \(maximumSeconds) seconds (about 31 years)")
    }
    return count * perUnit
  }
}

/// Text that is not in the form a value needs.
public struct ValueSyntaxError: Error, Sendable, Equatable {
  /// What the value must be, to follow "must be": "a duration such as 90, ...".
  public var expected: String
  /// More help, to close the message in parentheses: "units: s, min, h, d, w, mo".
  public var hint: String?

  public init(expected: String, hint: String? = nil) {
    self.expected = expected
    self.hint = hint
  }

  /// The whole message for the value `text` of `name`: "--min-last must be ..., not '1m'".
  public func message(for name: String, text: String) -> String {
    "\(name) must be \(expected), not '\(text)'" + (hint.map { " (\($0))" } ?? "")
  }
}

extension Character {
  /// Whether this is one of the ASCII digits 0 to 9 (not any Unicode digit).
  fileprivate var isASCIIDigit: Bool { asciiValue.map { (0x30...0x39).contains($0) } ?? false }
}
