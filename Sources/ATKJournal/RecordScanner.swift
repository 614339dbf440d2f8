import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// Finds the few keys the journal reads in a record line, without building the whole record:
/// atk-journal's fast path. `JSONParser.scanObject` checks the line by the grammar every atk
/// tool uses; only the values of `origin`, `part`, `status`, `error` and `dropped` are decoded
/// later, and only when asked for.
enum RecordScanner {
  /// The top-level keys the journal reads, as byte ranges of their values in the line.
  struct Fields {
    var origin: Range<Int>?
    var part: Range<Int>?
    var status: Range<Int>?
    var error: Range<Int>?
    var dropped: Range<Int>?
  }

  /// Scans `line`, which must hold exactly one JSON object.
  ///
  /// - Throws: `JSONParseError` when it does not.
  static func scan(_ line: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> Fields {
    var fields = Fields()
    try JSONParser.scanObject(line) { key, value in
      note(key: key, value: value, in: line, fields: &fields)
    }
    return fields
  }

  private static func note(
    key: Range<Int>, value: Range<Int>, in line: UnsafeBufferPointer<UInt8>, fields: inout Fields
  ) {
    // `key` spans the quotes. A key written with escapes is decoded first.
    let name = UnsafeBufferPointer(rebasing: line[(key.lowerBound + 1)..<(key.upperBound - 1)])
    if name.contains(UInt8(ascii: "\\")) {
      let decoded =
        (try? JSONParser.parse(UnsafeBufferPointer(rebasing: line[key])))?.stringBytes ?? []
      decoded.withUnsafeBufferPointer { note(name: $0, value: value, fields: &fields) }
      return
    }
    note(name: name, value: value, fields: &fields)
  }

  private static func note(
    name: UnsafeBufferPointer<UInt8>, value: Range<Int>, fields: inout Fields
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
