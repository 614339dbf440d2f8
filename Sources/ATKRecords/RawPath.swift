/// A file path as the bytes the file system holds.
///
/// Linux file names need not be UTF-8, so atk keeps paths as bytes from the record to the
/// system call and back. `display` gives a printable form for diagnostics.
public struct RawPath: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The path's bytes, without a terminating NUL.
  public var bytes: [UInt8]

  /// A path from its bytes.
  public init(bytes: [UInt8]) { self.bytes = bytes }

  /// A path from a string.
  public init(_ string: String) { self.bytes = Array(string.utf8) }

  public static func < (a: RawPath, b: RawPath) -> Bool {
    a.bytes.lexicographicallyPrecedes(b.bytes)
  }

  /// The path for messages: invalid UTF-8 and control characters (C0, DEL and C1) shown as
  /// `\xNN`, so a file name cannot drive the terminal.
  public var display: String {
    var out = ""
    var i = 0
    let b = bytes
    while i < b.count {
      let c = b[i]
      if c >= 0x20 && c < 0x7F {
        out.unicodeScalars.append(Unicode.Scalar(c))
        i += 1
        continue
      }
      if c >= 0x80 {
        var length = 0
        for n in 2...4 where i + n <= b.count {
          if let s = String(validating: b[i..<i + n], as: UTF8.self), s.unicodeScalars.count == 1,
            s.unicodeScalars.first!.value >= 0xA0
          {
            // U+0080-U+009F are C1 controls (U+009B is CSI): escaped like C0 ones below.
            out += s
            length = n
            break
          }
        }
        if length > 0 {
          i += length
          continue
        }
      }
      let hex = Array("0123456789abcdef")
      out += "\\x\(hex[Int(c >> 4)])\(hex[Int(c & 0xF)])"
      i += 1
    }
    return out
  }

  public var description: String { display }

  /// The path as a JSON string value (`.bytes` when it is not UTF-8).
  public var json: JSONValue { .text(bytes) }

  /// Calls `body` with the path as a NUL-terminated C string.
  public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
    try (bytes + [0]).withUnsafeBufferPointer { buffer in
      try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
    }
  }

  /// Whether the path starts at `/`.
  public var isAbsolute: Bool { bytes.first == UInt8(ascii: "/") }

  /// Whether the path is empty.
  public var isEmpty: Bool { bytes.isEmpty }

  /// The last component, ignoring trailing slashes.
  public var lastComponent: RawPath {
    var end = bytes.count
    while end > 1, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
    let start = bytes[..<end].lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0
    return RawPath(bytes: Array(bytes[start..<end]))
  }

  /// The folder that holds the path: `.` for a bare name, `/` for a top-level entry.
  public var parent: RawPath {
    var end = bytes.count
    while end > 1, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
    guard let slash = bytes[..<end].lastIndex(of: UInt8(ascii: "/")) else { return RawPath(".") }
    var cut = slash
    while cut > 0, bytes[cut - 1] == UInt8(ascii: "/") { cut -= 1 }
    return cut == 0 ? RawPath("/") : RawPath(bytes: Array(bytes[..<cut]))
  }

  /// The path with `component` appended after a slash.
  public func appending(_ component: RawPath) -> RawPath {
    if bytes.isEmpty || bytes == [UInt8(ascii: ".")] { return component }
    if component.isEmpty { return self }
    var out = bytes
    if out.last != UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
    out.append(contentsOf: component.bytes.drop { $0 == UInt8(ascii: "/") })
    return RawPath(bytes: out)
  }

  /// The path with `component` appended after a slash.
  public func appending(_ component: String) -> RawPath { appending(RawPath(component)) }

  /// The last component without its extension (`take 1` for `dir/take 1.wav`).
  public var stem: RawPath {
    let name = lastComponent.bytes
    guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot > 0 else {
      return RawPath(bytes: name)
    }
    return RawPath(bytes: Array(name[..<dot]))
  }

  /// The extension of the last component, lowercased, without the dot; empty if none.
  public var fileExtension: String {
    let name = lastComponent.bytes
    guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot > 0 else { return "" }
    return String(decoding: name[(dot + 1)...], as: UTF8.self).lowercased()
  }

  /// The path with its last component's extension replaced by `ext` (added if it had none).
  public func replacingExtension(with ext: String) -> RawPath {
    let name = stem.bytes + [UInt8(ascii: ".")] + Array(ext.utf8)
    let folder = parent
    if !bytes.contains(UInt8(ascii: "/")) { return RawPath(bytes: name) }
    return folder.appending(RawPath(bytes: name))
  }
}
