/// A JSON value as atk reads and writes it.
///
/// Integers stay `Int64` from input to output, so a frame count never passes through `Double`.
/// A string whose bytes are not valid UTF-8 (a file name on a Linux file system, say) is kept
/// as `.bytes`; on the wire its invalid bytes travel as `\udcXX` escapes (the surrogateescape
/// convention), which atk reads back into the same bytes.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  /// A string that is not valid UTF-8.
  case bytes([UInt8])
  case array([JSONValue])
  case object([String: JSONValue])

  /// The value as a string, if it is one and is valid UTF-8.
  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// The bytes of a string value, valid UTF-8 or not.
  public var stringBytes: [UInt8]? {
    switch self {
    case .string(let s): return Array(s.utf8)
    case .bytes(let b): return b
    default: return nil
    }
  }

  /// The value as an integer: an `.int`, or a `.double` with no fractional part.
  public var intValue: Int64? {
    switch self {
    case .int(let i): return i
    case .double(let d) where d.rounded() == d && abs(d) < 9.0e18: return Int64(d)
    default: return nil
    }
  }

  /// The value as a number.
  public var doubleValue: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .double(let d): return d
    default: return nil
    }
  }

  /// The value as an object.
  public var objectValue: [String: JSONValue]? {
    if case .object(let o) = self { return o }
    return nil
  }

  /// The value as an array.
  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  /// A string value made from bytes: `.string` when they are valid UTF-8, else `.bytes`.
  public static func text(_ bytes: [UInt8]) -> JSONValue {
    if let s = String(validating: bytes, as: UTF8.self) { return .string(s) }
    return .bytes(bytes)
  }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral
{
  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int64) { self = .int(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(floatLiteral value: Double) { self = .double(value) }
}
