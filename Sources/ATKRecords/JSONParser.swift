/// Why a line is not a JSON record.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
  /// Byte offset in the line where parsing stopped.
  public var offset: Int
  /// What was wrong there.
  public var reason: String

  public var description: String { "invalid JSON at byte \(offset + 1): \(reason)" }
}

/// A strict, allocation-light JSON parser over a byte buffer.
///
/// It reads one value (normally an object) that fills the buffer, save for white space.
/// Nesting is capped at 512 levels so hostile input cannot exhaust the stack.
public struct JSONParser {
  private let bytes: UnsafeBufferPointer<UInt8>
  private var index = 0
  private var depth = 0
  private static let maxDepth = 512

  /// Parses `bytes` as exactly one JSON value.
  ///
  /// - Throws: `JSONParseError` naming the offset and the cause.
  public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue
  {
    var parser = JSONParser(bytes: bytes)
    parser.skipSpace()
    let value = try parser.parseValue(build: true)
    parser.skipSpace()
    if parser.index != bytes.count { throw parser.error("unexpected data after the value") }
    return value
  }

  /// Parses a byte array as exactly one JSON value.
  public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
    do {
      return try bytes.withUnsafeBufferPointer { try parse($0) }
    } catch let error as JSONParseError {
      throw error
    } catch {
      preconditionFailure("unreachable")
    }
  }

  /// Checks that `bytes` hold exactly one JSON object, by the same grammar as `parse`, without
  /// building it; calls `visit` with the byte ranges of each top-level key (quotes included)
  /// and of its value. The journal's fast path reads a few keys this way.
  ///
  /// - Throws: `JSONParseError` when `parse` would refuse the line.
  public static func scanObject(
    _ bytes: UnsafeBufferPointer<UInt8>, visit: (_ key: Range<Int>, _ value: Range<Int>) -> Void
  ) throws(JSONParseError) {
    var parser = JSONParser(bytes: bytes)
    parser.skipSpace()
    guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "{") else {
      throw parser.error("a record must be a JSON object")
    }
    _ = try parser.parseObject(build: false, visit: visit)
    parser.skipSpace()
    if parser.index != bytes.count { throw parser.error("unexpected data after the value") }
  }

  private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  private func error(_ reason: String) -> JSONParseError {
    JSONParseError(offset: index, reason: reason)
  }

  private mutating func skipSpace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  /// Parses one value; with `build` false it only checks the grammar and returns `.null`.
  private mutating func parseValue(build: Bool) throws(JSONParseError) -> JSONValue {
    guard index < bytes.count else { throw error("unexpected end of line") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject(build: build)
    case UInt8(ascii: "["): return try parseArray(build: build)
    case UInt8(ascii: "\""): return try parseString(build: build)
    case UInt8(ascii: "t"): try expect("true"); return .bool(true)
    case UInt8(ascii: "f"): try expect("false"); return .bool(false)
    case UInt8(ascii: "n"): try expect("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return try parseNumber(build: build)
    default: throw error("unexpected character")
    }
  }

  private mutating func expect(_ word: StaticString) throws(JSONParseError) {
    let count = word.utf8CodeUnitCount
    guard index + count <= bytes.count else { throw error("unexpected end of line") }
    let start = word.utf8Start
    for i in 0..<count where bytes[index + i] != start[i] { throw error("unexpected character") }
    index += count
  }

  private mutating func enter() throws(JSONParseError) {
    depth += 1
    if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
  }

  private mutating func parseObject(
    build: Bool, visit: (_ key: Range<Int>, _ value: Range<Int>) -> Void = { _, _ in }
  ) throws(JSONParseError) -> JSONValue {
    try enter()
    index += 1
    var object: [String: JSONValue] = [:]
    skipSpace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      depth -= 1
      return .object(object)
    }
    while true {
      skipSpace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw error("expected a key in quotes")
      }
      let keyStart = index
      let key: String
      switch try parseString(build: build) {
      case .string(let s): key = s
      case .bytes(let b): key = String(decoding: b, as: UTF8.self)
      default: key = ""
      }
      let keyRange = keyStart..<index
      skipSpace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
        throw error("expected ':' after a key")
      }
      index += 1
      skipSpace()
      let valueStart = index
      let value = try parseValue(build: build)
      if build { object[key] = value }
      visit(keyRange, valueStart..<index)
      skipSpace()
      guard index < bytes.count else { throw error("unexpected end of line in an object") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      if bytes[index] == UInt8(ascii: "}") {
        index += 1
        depth -= 1
        return .object(object)
      }
      throw error("expected ',' or '}'")
    }
  }

  private mutating func parseArray(build: Bool) throws(JSONParseError) -> JSONValue {
    try enter()
    index += 1
    var array: [JSONValue] = []
    skipSpace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      depth -= 1
      return .array(array)
    }
    while true {
      skipSpace()
      let element = try parseValue(build: build)
      if build { array.append(element) }
      skipSpace()
      guard index < bytes.count else { throw error("unexpected end of line in an array") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      if bytes[index] == UInt8(ascii: "]") {
        index += 1
        depth -= 1
        return .array(array)
      }
      throw error("expected ',' or ']'")
    }
  }

  private mutating func parseString(build: Bool) throws(JSONParseError) -> JSONValue {
    index += 1
    let start = index
    // Fast path: no escapes.
    while index < bytes.count {
      let c = bytes[index]
      if c == UInt8(ascii: "\"") {
        let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
        index += 1
        if !build { return .null }
        if let s = String(validating: slice, as: UTF8.self) { return .string(s) }
        return .bytes(Array(slice))
      }
      if c == UInt8(ascii: "\\") { break }
      if c < 0x20 { throw error("control character in a string") }
      index += 1
    }
    var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
    var escapedRawBytes = false
    while index < bytes.count {
      let c = bytes[index]
      if c == UInt8(ascii: "\"") {
        index += 1
        if !build { return .null }
        if !escapedRawBytes, let s = String(validating: out, as: UTF8.self) { return .string(s) }
        return .bytes(out)
      }
      if c < 0x20 { throw error("control character in a string") }
      if c != UInt8(ascii: "\\") {
        out.append(c)
        index += 1
        continue
      }
      index += 1
      guard index < bytes.count else { break }
      let e = bytes[index]
      index += 1
      switch e {
      case UInt8(ascii: "\""): out.append(0x22)
      case UInt8(ascii: "\\"): out.append(0x5C)
      case UInt8(ascii: "/"): out.append(0x2F)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try parseHex4()
        if (0xD800...0xDBFF).contains(scalar), index + 1 < bytes.count,
          bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
        {
          let save = index
          index += 2
          let low = try parseHex4()
          if (0xDC00...0xDFFF).contains(low) {
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          } else {
            index = save
          }
        }
        if (0xDC80...0xDCFF).contains(scalar) {
          // surrogateescape: a raw byte that was not valid UTF-8.
          out.append(UInt8(scalar - 0xDC00))
          escapedRawBytes = true
        } else {
          let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
          out.append(contentsOf: Array(String(Character(unicode)).utf8))
        }
      default: throw error("unknown escape '\\\(Character(Unicode.Scalar(e)))'")
      }
    }
    throw error("unterminated string")
  }

  private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
    guard index + 4 <= bytes.count else { throw error("short \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[index]
      let digit: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
      default: throw error("bad hex digit in \\u escape")
      }
      value = value << 4 | digit
      index += 1
    }
    return value
  }

  private mutating func parseNumber(build: Bool) throws(JSONParseError) -> JSONValue {
    let start = index
    var isInteger = true
    if bytes[index] == UInt8(ascii: "-") { index += 1 }
    guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
      throw error("expected a digit")
    }
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
    } else {
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
        index += 1
      }
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      isInteger = false
      index += 1
      let digits = index
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
        index += 1
      }
      if index == digits { throw error("expected a digit after '.'") }
    }
    if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
      isInteger = false
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
      {
        index += 1
      }
      let digits = index
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
        index += 1
      }
      if index == digits { throw error("expected a digit in the exponent") }
    }
    if !build { return .null }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    if isInteger, let i = Int64(text) { return .int(i) }
    guard let d = Double(text) else { throw error("number out of range") }
    return .double(d)
  }
}
