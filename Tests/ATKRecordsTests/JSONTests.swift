import ATKRecords
import Testing

/// Parses `text` as one JSON value.
func parse(_ text: String) throws(JSONParseError) -> JSONValue {
  try JSONParser.parse(Array(text.utf8))
}

/// Parses raw bytes as one JSON value.
func parse(bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
  try JSONParser.parse(bytes)
}

/// The compact encoding of `value`, as bytes.
func encode(_ value: JSONValue) -> [UInt8] {
  var out: [UInt8] = []
  JSONWriter.write(value, into: &out)
  return out
}

/// The parse error for `text`, or nil when it parses.
func parseError(_ text: String) -> JSONParseError? {
  do {
    _ = try parse(text)
    return nil
  } catch {
    return error
  }
}

@Suite struct JSONRoundTripTests {
  @Test func compactLineRoundTripsByteForByte() throws {
    let line =
      #"{"a":[1,-2,3.5,true,false,null,"x"],"b":{"c":{"d":[]},"e":{}},"n":0,"s":"text"}"#
    let value = try parse(line)
    #expect(String(decoding: encode(value), as: UTF8.self) == line)
    #expect(try parse(bytes: encode(value)) == value)
  }

  @Test func whiteSpaceIsAcceptedAndDropped() throws {
    let value = try parse(" \t{ \"b\" : [ 1 , 2 ] ,\r\n \"a\" : { } } \n")
    #expect(JSONWriter.string(value) == #"{"a":{},"b":[1,2]}"#)
  }

  @Test(arguments: [
    #"{"b":1,"a":2,"c":{"z":1,"y":[{"q":1,"p":2}]}}"#,
    #"{"c":{"y":[{"p":2,"q":1}],"z":1},"a":2,"b":1}"#,
    #"{"a":2,"c":{"z":1,"y":[{"q":1,"p":2}]},"b":1}"#,
  ])
  func sameInputInAnyKeyOrderGivesTheSameBytes(line: String) throws {
    let expected = #"{"a":2,"b":1,"c":{"y":[{"p":2,"q":1}],"z":1}}"#
    #expect(String(decoding: encode(try parse(line)), as: UTF8.self) == expected)
  }

  @Test func keysSortByTheirUTF8Bytes() {
    let value = JSONValue.object([
      "b": 1, "a": 1, "aa": 1, "Z": 1, "_": 1, "é": 1, "z": 1, "A": 1, "1": 1, "": 1,
    ])
    // Byte order: "" < "1" < "A" < "Z" < "_" < "a" < "aa" < "b" < "z" < "é" (0xC3 0xA9).
    #expect(
      JSONWriter.string(value)
        == #"{"":1,"1":1,"A":1,"Z":1,"_":1,"a":1,"aa":1,"b":1,"z":1,"é":1}"#)
  }

  @Test func encodingIsDeterministicAcrossManyDictionaries() {
    // Dictionaries hash with a per-process seed; the bytes must not depend on it.
    var fields: [String: JSONValue] = [:]
    for i in 0..<200 { fields["key\(i)"] = .int(Int64(i)) }
    let first = encode(.object(fields))
    var rebuilt: [String: JSONValue] = [:]
    for i in (0..<200).reversed() { rebuilt["key\(i)"] = .int(Int64(i)) }
    #expect(encode(.object(rebuilt)) == first)
  }

  @Test func duplicateKeysKeepTheLastValue() throws {
    #expect(try parse(#"{"a":1,"a":2}"#) == .object(["a": 2]))
  }
}

@Suite struct JSONNumberTests {
  @Test func integersAbove2To53KeepEveryDigit() throws {
    let value = try parse(#"{"frames":9007199254740993}"#)
    #expect(value.objectValue?["frames"] == .int(9_007_199_254_740_993))
    #expect(value.objectValue?["frames"]?.intValue == 9_007_199_254_740_993)
    #expect(JSONWriter.string(value) == #"{"frames":9007199254740993}"#)
  }

  @Test(arguments: [Int64.max, Int64.min, 0, -1, 1 << 62, 9_007_199_254_740_993])
  func int64ExtremesRoundTrip(number: Int64) throws {
    let text = String(number)
    #expect(try parse(text) == .int(number))
    #expect(JSONWriter.string(.int(number)) == text)
  }

  @Test func integerTooBigForInt64BecomesADouble() throws {
    #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
    #expect(try parse("-9223372036854775809").doubleValue == -9_223_372_036_854_775_809.0)
  }

  @Test(arguments: [0.1, 1.5, -2.25e-5, 1e300, -1e-300, 5.0, 0.25, 44100.0 / 3, 1234.5678])
  func doublesRoundTripExactly(number: Double) throws {
    let text = JSONWriter.string(.double(number))
    let back = try parse(text)
    guard case .double(let d) = back else {
      Issue.record("\(text) did not parse back as a double: \(back)")
      return
    }
    #expect(d.bitPattern == number.bitPattern, "\(text)")
  }

  @Test func fractionsAndExponentsAreDoubles() throws {
    #expect(try parse("1.0") == .double(1))
    #expect(try parse("1e2") == .double(100))
    #expect(try parse("1E+2") == .double(100))
    #expect(try parse("-0.5e-1") == .double(-0.05))
    #expect(try parse("-0") == .int(0))
  }

  @Test func nonFiniteDoublesAreWrittenAsNull() {
    #expect(JSONWriter.string(.double(.infinity)) == "null")
    #expect(JSONWriter.string(.double(-.infinity)) == "null")
    #expect(JSONWriter.string(.double(.nan)) == "null")
  }

  @Test func accessorsConvertBetweenNumberKinds() {
    #expect(JSONValue.double(3).intValue == 3)
    #expect(JSONValue.double(3.5).intValue == nil)
    #expect(JSONValue.double(1e19).intValue == nil)
    #expect(JSONValue.int(7).doubleValue == 7)
    #expect(JSONValue.string("7").intValue == nil)
  }
}

@Suite struct JSONStringTests {
  @Test func writerEscapesWhatJSONRequires() {
    let text = "a\"b\\c\nd\re\tf\u{01}g\u{1F}h\u{7F}i\u{08}j\u{0C}k/"
    #expect(
      JSONWriter.string(.string(text))
        == #""a\"b\\c\nd\re\tf\u0001g\u001fh\u007fi\u0008j\u000ck/""#)
  }

  @Test func everyControlCharacterRoundTrips() throws {
    let text = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
    let encoded = JSONWriter.string(.string(text))
    #expect(!encoded.utf8.contains { $0 < 0x20 }, "raw control byte in \(encoded)")
    #expect(try parse(encoded) == .string(text))
  }

  @Test func parserReadsEveryEscape() throws {
    #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    #expect(try parse(#""\u00e9\u00E9\u20ac\u0041""#) == .string("éé€A"))
  }

  @Test func surrogatePairsBecomeOneScalar() throws {
    #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
    #expect(try parse(#""x\uD834\uDD1Ey""#) == .string("x𝄞y"))
  }

  @Test func loneSurrogatesBecomeReplacementCharacters() throws {
    #expect(try parse(#""\ud800""#) == .string("\u{FFFD}"))
    #expect(try parse(#""\ud800x""#) == .string("\u{FFFD}x"))
    // A high surrogate followed by an escape that is not a low one keeps that escape.
    #expect(try parse(#""\ud800\n""#) == .string("\u{FFFD}\n"))
    #expect(try parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
  }

  @Test func unicodeIsWrittenAsItIs() {
    #expect(encode(.string("é😀")) == Array("\"é😀\"".utf8))
  }

  @Test func nonUTF8BytesTravelAsLowSurrogateEscapes() throws {
    let bytes: [UInt8] = [0x61, 0xFF, 0x62, 0x80, 0xC3, 0xA9, 0xFE]
    let value = JSONValue.text(bytes)
    #expect(value == .bytes(bytes))
    let encoded = JSONWriter.string(value)
    #expect(encoded == #""a\udcffb\udc80é\udcfe""#)
    #expect(try parse(encoded) == .bytes(bytes))
    #expect(try parse(encoded).stringBytes == bytes)
  }

  @Test(arguments: [
    [0xC3] as [UInt8],  // a sequence cut short at the end
    [0xC3, 0x41],  // a lead byte without its continuation
    [0xC0, 0x80],  // overlong NUL
    [0xE0, 0x80, 0x80],  // overlong
    [0xED, 0xA0, 0x80],  // an encoded surrogate
    [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
    [0xF8, 0x88, 0x80, 0x80, 0x80],  // five-byte form
    [0x2F, 0x74, 0x6D, 0x70, 0x2F, 0xE9, 0x74, 0xE9, 0x2E, 0x77, 0x61, 0x76],  // Latin-1 name
  ])
  func invalidUTF8RoundTripsExactly(bytes: [UInt8]) throws {
    let encoded = encode(.text(bytes))
    #expect(String(validating: encoded, as: UTF8.self) != nil, "the wire form is always UTF-8")
    #expect(try parse(bytes: encoded).stringBytes == bytes)
  }

  @Test func rawNonUTF8InputBytesAreKeptAsBytes() throws {
    // Another tool might write the raw bytes instead of escapes; they survive too.
    let line: [UInt8] = Array(#"{"path":"a"#.utf8) + [0xFF] + Array(#"b"}"#.utf8)
    let value = try parse(bytes: line)
    #expect(value.objectValue?["path"] == .bytes([0x61, 0xFF, 0x62]))
    #expect(String(decoding: encode(value), as: UTF8.self) == #"{"path":"a\udcffb"}"#)
  }

  @Test func escapesOfASCIIBytesAreNotRawBytes() throws {
    // \udc41 is not a surrogate escape (those are \udc80-\udcff); it stays a lone surrogate.
    #expect(try parse(#""\udc41""#) == .string("\u{FFFD}"))
  }
}

@Suite struct JSONErrorTests {
  @Test(arguments: [
    ("", 0, "end"),
    ("{", 1, "key"),
    (#"{"a":1,}"#, 7, "key"),
    (#"{"a" 1}"#, 5, "':'"),
    (#"{"a":1 "b":2}"#, 7, "','"),
    (#"{"a":tru}"#, 5, "unexpected"),
    (#"{"a":nul"#, 5, "end"),
    (#"[1,2"#, 4, "end"),
    (#"[1 2]"#, 3, "','"),
    (#""abc"#, 4, "unterminated"),
    ("{\"a\":\"x\u{01}\"}", 7, "control"),
    (#"{"a":1} x"#, 8, "after the value"),
    (#"{"a":-}"#, 6, "digit"),
    (#"{"a":1.}"#, 7, "digit"),
    (#"{"a":1e}"#, 7, "exponent"),
    (#"{"a":01}"#, 6, "','"),
    (#"{"a":"\q"}"#, 8, "escape"),
    (#"{"a":"\u12G4"}"#, 10, "hex"),
    (#"{"a":"\u12"}"#, 10, "hex"),
    (#"{"a":"\u12"#, 8, "short"),
    ("{'a':1}", 1, "key"),
    ("x", 0, "unexpected"),
  ])
  func malformedJSONReportsWhereAndWhy(text: String, offset: Int, reason: String) {
    guard let error = parseError(text) else {
      Issue.record("'\(text)' parsed")
      return
    }
    #expect(error.offset == offset, "'\(text)': \(error)")
    #expect(error.reason.contains(reason), "'\(text)': \(error)")
    #expect(error.description.hasPrefix("invalid JSON at byte \(offset + 1): "))
  }

  @Test func nestingUpToTheCapParses() throws {
    let depth = 512
    let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    var value = try parse(text)
    var levels = 0
    while case .array(let inner) = value {
      levels += 1
      guard let first = inner.first else { break }
      value = first
    }
    #expect(levels == depth)
    let objects =
      String(repeating: #"{"a":"#, count: depth - 1) + "{}"
      + String(repeating: "}", count: depth - 1)
    #expect(try parse(objects).objectValue != nil)
  }

  @Test func nestingPastTheCapIsAnError() {
    let text = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
    #expect(parseError(text)?.reason.contains("nesting") == true)
    let mixed = String(repeating: #"{"a":["#, count: 300) + String(repeating: "]}", count: 300)
    #expect(parseError(mixed)?.reason.contains("nesting") == true)
  }

  @Test func hostileDepthFailsFastWithoutCrashing() {
    let text = String(repeating: "[", count: 1_000_000)
    let error = parseError(text)
    #expect(error?.reason.contains("nesting") == true)
    #expect(error?.offset == 512)
  }
}
