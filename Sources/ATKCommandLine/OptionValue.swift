import ATKKit
import ArgumentParser

/// Reads the values typed for options and arguments, or throws a usage error that names the
/// option and quotes the value: "SECONDS must be greater than 0, not '-5'".
///
/// The syntax lives in `ValueSyntax` (ATKKit), so every tool reads a duration, a bit rate or
/// an age alike; the ranges are checked here, where the option's name is known.
public enum OptionValue {
  /// Seconds in a duration (see `ValueSyntax.seconds(in:)`): more than 0, or with
  /// `allowingZero` 0 or more.
  public static func seconds(_ text: String, of name: String, allowingZero: Bool = false)
    throws(ValidationError) -> Double
  {
    let value: Double
    do { value = try ValueSyntax.seconds(in: text) } catch {
      throw ValidationError(error.message(for: name, text: text))
    }
    if allowingZero && !(value >= 0) {
      throw ValidationError("\(name) must be 0 or more, not '\(text)'")
    }
    if !allowingZero && !(value > 0) {
      throw ValidationError("\(name) must be greater than 0, not '\(text)'")
    }
    return value
  }

  /// kbit/s in a bit rate (`192` or `192k`); the codec's range is the stage's to check.
  public static func kilobits(_ text: String, of name: String) throws(ValidationError) -> Int {
    do { return try ValueSyntax.kilobits(in: text) } catch {
      throw ValidationError(error.message(for: name, text: text))
    }
  }

  /// Seconds in an age (`30min`, `12h`, `7d`, `2w`, `6mo`).
  public static func ageSeconds(_ text: String, of name: String) throws(ValidationError) -> Int {
    do { return try ValueSyntax.ageSeconds(in: text) } catch {
      throw ValidationError(error.message(for: name, text: text))
    }
  }

  /// A whole number in `range`.
  public static func whole(_ text: String, of name: String, in range: ClosedRange<Int>)
    throws(ValidationError) -> Int
  {
    guard let value = Int(text), range.contains(value) else {
      throw ValidationError(
        "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), "
          + "not '\(text)'")
    }
    return value
  }
}
