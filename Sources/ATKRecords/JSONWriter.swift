/// Writes JSON values as compact bytes, object keys in byte order.
///
/// The same value always gives the same bytes, so records can be diffed and compared.
public enum JSONWriter {
  /// Appends the compact encoding of `value` to `out`.
  public static func write(_ value: JSONValue, into out: inout [UInt8]) {
    switch value {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
    case .int(let i): out.append(contentsOf: String(i).utf8)
    case .double(let d):
      if d.isFinite {
        out.append(contentsOf: d.description.utf8)
      } else {
        out.append(contentsOf: "null".utf8)
      }
    case .string(let s): writeString(s.utf8, into: &out)
    case .bytes(let b): writeString(b, into: &out)
    case .array(let a):
      out.append(UInt8(ascii: "["))
      for (i, element) in a.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        write(element, into: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let o): writeObject(o, into: &out)
    }
  }

  /// Appends an object with its keys sorted by their UTF-8 bytes.
  public static func writeObject(_ object: [String: JSONValue], into out: inout [UInt8]) {
    out.append(UInt8(ascii: "{"))
    let keys = object.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    for (i, key) in keys.enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      writeString(key.utf8, into: &out)
      out.append(UInt8(ascii: ":"))
      write(object[key]!, into: &out)
    }
    out.append(UInt8(ascii: "}"))
  }

  /// The compact encoding of `value` as a string.
  public static func string(_ value: JSONValue) -> String {
    var out: [UInt8] = []
    write(value, into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

  /// Appends a quoted string. Bytes that are not valid UTF-8 become `\udcXX` escapes.
  static func writeString<C: Collection<UInt8>>(_ bytes: C, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var i = bytes.startIndex
    while i != bytes.endIndex {
      let c = bytes[i]
      if c < 0x80 {
        switch c {
        case 0x22: out.append(contentsOf: [0x5C, 0x22])
        case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0..<0x20, 0x7F: escape(UInt32(c), into: &out)
        default: out.append(c)
        }
        i = bytes.index(after: i)
        continue
      }
      let length = validSequenceLength(bytes, at: i)
      if length == 0 {
        escape(0xDC00 + UInt32(c), into: &out)
        i = bytes.index(after: i)
      } else {
        let end = bytes.index(i, offsetBy: length)
        out.append(contentsOf: bytes[i..<end])
        i = end
      }
    }
    out.append(UInt8(ascii: "\""))
  }

  private static func escape(_ unit: UInt32, into out: inout [UInt8]) {
    out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
    for shift in stride(from: 12, through: 0, by: -4) {
      out.append(hex[Int((unit >> UInt32(shift)) & 0xF)])
    }
  }

  /// The length of the valid UTF-8 sequence starting at `i`, or 0 if there is none.
  private static func validSequenceLength<C: Collection<UInt8>>(_ bytes: C, at i: C.Index) -> Int {
    let lead = bytes[i]
    let length: Int
    let minimum: UInt32
    var scalar: UInt32
    switch lead {
    case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(lead & 0x1F)
    case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(lead & 0x0F)
    case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(lead & 0x07)
    default: return 0
    }
    var j = bytes.index(after: i)
    for _ in 1..<length {
      guard j != bytes.endIndex, bytes[j] & 0xC0 == 0x80 else { return 0 }
      scalar = scalar << 6 | UInt32(bytes[j] & 0x3F)
      j = bytes.index(after: j)
    }
    if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return 0 }
    return length
  }
}
