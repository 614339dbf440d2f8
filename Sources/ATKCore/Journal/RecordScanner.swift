import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// Checks that a line is one JSON object and finds the few keys the journal reads, without
/// building the whole record: atk-journal's fast path.
///
/// The grammar is the one `JSONParser` accepts (same nesting limit, same string rules), so a
/// line this accepts is a line every atk tool accepts; for a line it refuses, `Record(line:)`
/// gives the reason. Only the values of `origin`, `part`,
/// `status`, `error` and `dropped` are decoded, and only when asked for.
struct RecordScanner {
  /// The top-level keys the journal reads, as byte ranges of their values in the line.
  struct Fields {
    var origin: Range<Int>?
    var part: Range<Int>?
    var status: Range<Int>?
    var error: Range<Int>?
    var dropped: Range<Int>?
  }

  private let bytes: UnsafeBufferPointer<UInt8>
  private var index = 0
  private var depth = 0
  private static let maxDepth = 512

  private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  /// Scans `line`, which must hold exactly one JSON object.
  ///
  /// - Throws: `Malformed` when it does not; `Record(line:)` then says why.
  static func scan(_ line: UnsafeBufferPointer<UInt8>) throws(Malformed) -> Fields {
    var scanner = RecordScanner(line)
    scanner.skipSpace()
    guard scanner.index < line.count, line[scanner.index] == UInt8(ascii: "{") else {
      throw Malformed()
    }
    var fields = Fields()
    try scanner.object(fields: &fields)
    scanner.skipSpace()
    if scanner.index != line.count { throw Malformed() }
    return fields
  }

  /// The line is not one JSON object.
  struct Malformed: Error {}

  private func error(_ reason: String) -> Malformed { Malformed() }

  private mutating func skipSpace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  private mutating func value() throws(Malformed) {
    guard index < bytes.count else { throw error("unexpected end of line") }
    switch bytes[index] {
    case UInt8(ascii: "{"):
      var ignored = Fields()
      try object(fields: &ignored, top: false)
    case UInt8(ascii: "["): try array()
    case UInt8(ascii: "\""): _ = try string()
    case UInt8(ascii: "t"): try expect("true")
    case UInt8(ascii: "f"): try expect("false")
    case UInt8(ascii: "n"): try expect("null")
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
    default: throw error("unexpected character")
    }
  }

  private mutating func expect(_ word: StaticString) throws(Malformed) {
    let count = word.utf8CodeUnitCount
    guard index + count <= bytes.count else { throw error("unexpected end of line") }
    let start = word.utf8Start
    for i in 0..<count where bytes[index + i] != start[i] { throw error("unexpected character") }
    index += count
  }

  private mutating func enter() throws(Malformed) {
    depth += 1
    if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
  }

  private mutating func object(fields: inout Fields, top: Bool = true) throws(Malformed) {
    try enter()
    index += 1
    skipSpace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      depth -= 1
      return
    }
    while true {
      skipSpace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw error("expected a key in quotes")
      }
      let key = try string()
      skipSpace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
        throw error("expected ':' after a key")
      }
      index += 1
      skipSpace()
      let start = index
      try value()
      if top { note(key: key, value: start..<index, in: &fields) }
      skipSpace()
      guard index < bytes.count else { throw error("unexpected end of line in an object") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      if bytes[index] == UInt8(ascii: "}") {
        index += 1
        depth -= 1
        return
      }
      throw error("expected ',' or '}'")
    }
  }

  private func note(key: Range<Int>, value: Range<Int>, in fields: inout Fields) {
    // `key` spans the quotes. A key written with escapes is decoded first.
    let name = UnsafeBufferPointer(rebasing: bytes[(key.lowerBound + 1)..<(key.upperBound - 1)])
    if name.contains(UInt8(ascii: "\\")) {
      let decoded =
        (try? JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[key])))?.stringBytes ?? []
      decoded.withUnsafeBufferPointer { note(name: $0, value: value, in: &fields) }
      return
    }
    note(name: name, value: value, in: &fields)
  }

  private func note(
    name: UnsafeBufferPointer<UInt8>, value: Range<Int>, in fields: inout Fields
  ) {
    func equals(_ word: StaticString) -> Bool {
      guard name.count == word.utf8CodeUnitCount else { return false }
      return memcmp(name.baseAddress!, word.utf8Start, name.count) == 0
    }
    guard !name.isEmpty else { return }
    switch name[0] {
    case UInt8(ascii: "o") where equals("origin"): fields.origin = value
    case UInt8(ascii: "p") where equals("part"): fields.part = value
    case UInt8(ascii: "s") where equals("status"): fields.status = value
    case UInt8(ascii: "e") where equals("error"): fields.error = value
    case UInt8(ascii: "d") where equals("dropped"): fields.dropped = value
    default: break
    }
  }

  private mutating func array() throws(Malformed) {
    try enter()
    index += 1
    skipSpace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      depth -= 1
      return
    }
    while true {
      skipSpace()
      try value()
      skipSpace()
      guard index < bytes.count else { throw error("unexpected end of line in an array") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      if bytes[index] == UInt8(ascii: "]") {
        index += 1
        depth -= 1
        return
      }
      throw error("expected ',' or ']'")
    }
  }

  /// Skips a string; returns its range, quotes included.
  private mutating func string() throws(Malformed) -> Range<Int> {
    let start = index
    index += 1
    while index < bytes.count {
      let c = bytes[index]
      if c == UInt8(ascii: "\"") {
        index += 1
        return start..<index
      }
      if c < 0x20 { throw error("control character in a string") }
      if c != UInt8(ascii: "\\") {
        index += 1
        continue
      }
      index += 1
      guard index < bytes.count else { break }
      let e = bytes[index]
      index += 1
      switch e {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
        continue
      case UInt8(ascii: "u"):
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        for _ in 0..<4 {
          switch bytes[index] {
          case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            index += 1
          default: throw error("bad hex digit in \\u escape")
          }
        }
      default: throw error("unknown escape '\\\(Character(Unicode.Scalar(e)))'")
      }
    }
    throw error("unterminated string")
  }

  private mutating func number() throws(Malformed) {
    func digits() -> Int {
      let start = index
      while index < bytes.count, bytes[index] >= UInt8(ascii: "0"),
        bytes[index] <= UInt8(ascii: "9")
      {
        index += 1
      }
      return index - start
    }
    if bytes[index] == UInt8(ascii: "-") { index += 1 }
    guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9")
    else { throw error("expected a digit") }
    if bytes[index] == UInt8(ascii: "0") { index += 1 } else { _ = digits() }
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      if digits() == 0 { throw error("expected a digit after '.'") }
    }
    if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
      {
        index += 1
      }
      if digits() == 0 { throw error("expected a digit in the exponent") }
    }
  }
}

extension RecordScanner.Fields {
  /// The value at `range` of `line`, decoded.
  private func decode(_ range: Range<Int>?, in line: UnsafeBufferPointer<UInt8>) -> JSONValue? {
    guard let range else { return nil }
    return try? JSONParser.parse(UnsafeBufferPointer(rebasing: line[range]))
  }

  /// The bytes of the `origin` string, nil when absent or not a string.
  func origin(in line: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    guard let range = origin else { return nil }
    let inner = line[(range.lowerBound + 1)..<max(range.lowerBound + 1, range.upperBound - 1)]
    if line[range.lowerBound] == UInt8(ascii: "\""), !inner.contains(UInt8(ascii: "\\")) {
      return Array(inner)
    }
    return decode(range, in: line)?.stringBytes
  }

  /// Whether `status` is `"failed"`.
  func isFailed(in line: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let range = status else { return false }
    let failed: StaticString = "\"failed\""
    if range.count == failed.utf8CodeUnitCount {
      return memcmp(line.baseAddress! + range.lowerBound, failed.utf8Start, range.count) == 0
    }
    return decode(range, in: line)?.stringValue == "failed"
  }

  /// Whether `dropped` is set (present, and neither null nor false).
  func isDropped(in line: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let range = dropped else { return false }
    let value = decode(range, in: line)
    return value != nil && value != .null && value != .bool(false)
  }

  /// The record's `part` path, as `Record.part` reads it.
  func part(in line: UnsafeBufferPointer<UInt8>) -> [Record.Part] {
    guard let value = decode(part, in: line) else { return [] }
    return Record([Record.Key.part: value]).part
  }

  /// The failure's code and message, as `Record.errorInfo` reads them.
  func errorInfo(in line: UnsafeBufferPointer<UInt8>) -> (code: String, message: String)? {
    guard isFailed(in: line) else { return nil }
    var record = Record([Record.Key.status: "failed"])
    record[Record.Key.error] = decode(error, in: line)
    return record.errorInfo
  }
}
