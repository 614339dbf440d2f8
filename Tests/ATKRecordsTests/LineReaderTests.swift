import ATKRecords
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A pipe whose write end has been filled with `bytes` and closed; returns the read end.
///
/// `bytes` must fit in the pipe's buffer (64 KiB on Linux); bigger inputs use `fileDescriptor`.
func pipeHolding(_ bytes: [UInt8]) throws -> Int32 {
  var ends: [Int32] = [0, 0]
  guard pipe(&ends) == 0 else { throw POSIXError(.EIO) }
  let written = bytes.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
  close(ends[1])
  #expect(written == bytes.count)
  return ends[0]
}

/// A descriptor open on an unlinked temporary file holding `bytes`, positioned at its start.
func fileDescriptor(holding bytes: [UInt8]) throws -> Int32 {
  var template = Array("/tmp/atk-linereader-XXXXXX".utf8CString)
  let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
  guard fd >= 0 else { throw POSIXError(.EIO) }
  template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
  var offset = 0
  while offset < bytes.count {
    let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
    guard n > 0 else { throw POSIXError(.EIO) }
    offset += n
  }
  lseek(fd, 0, SEEK_SET)
  return fd
}

/// What a reader yields, in a form that is easy to compare.
enum Unit: Equatable, CustomStringConvertible {
  case line(String, Int)
  case tooLong(Int, Int)

  var description: String {
    switch self {
    case .line(let text, let n): "line \(n): \(text.prefix(40).debugDescription)"
    case .tooLong(let n, let bytes): "line \(n): too long (\(bytes) bytes)"
    }
  }
}

/// Reads `fd` to the end and closes it.
func readAll(fd: Int32, delimiter: UInt8 = 0x0A, maxLineBytes: Int = 1 << 20) throws -> [Unit] {
  defer { close(fd) }
  var reader = LineReader(fd: fd, delimiter: delimiter, maxLineBytes: maxLineBytes)
  var units: [Unit] = []
  while let item = try reader.next() {
    switch item {
    case .line(let bytes, let number):
      units.append(.line(String(decoding: bytes, as: UTF8.self), number))
    case .tooLong(let number, let bytes):
      units.append(.tooLong(number, bytes))
    }
  }
  return units
}

@Suite struct LineReaderTests {
  @Test func splitsLinesAndNumbersThemFromOne() throws {
    let fd = try pipeHolding(Array("one\ntwo\nthree\n".utf8))
    #expect(try readAll(fd: fd) == [.line("one", 1), .line("two", 2), .line("three", 3)])
  }

  @Test func lastLineWithoutNewlineStillComesOut() throws {
    let fd = try pipeHolding(Array("one\ntwo".utf8))
    #expect(try readAll(fd: fd) == [.line("one", 1), .line("two", 2)])
  }

  @Test func emptyLinesAreSkippedButCounted() throws {
    let fd = try pipeHolding(Array("\none\n\n\ntwo\n\n".utf8))
    #expect(try readAll(fd: fd) == [.line("one", 2), .line("two", 5)])
  }

  @Test func emptyInputYieldsNothing() throws {
    #expect(try readAll(fd: try pipeHolding([])) == [])
  }

  @Test func nulDelimiterKeepsNewlinesInsideNames() throws {
    let fd = try pipeHolding(Array("a b.wav\0new\nline.wav\0last".utf8))
    #expect(
      try readAll(fd: fd, delimiter: 0)
        == [.line("a b.wav", 1), .line("new\nline.wav", 2), .line("last", 3)])
  }

  @Test func lineOverTheCapIsReportedAndTheNextLineStillComesOut() throws {
    let long = String(repeating: "x", count: 101)
    let fd = try pipeHolding(Array("first\n\(long)\nnext\n".utf8))
    #expect(
      try readAll(fd: fd, maxLineBytes: 100)
        == [.line("first", 1), .tooLong(2, 101), .line("next", 3)])
  }

  @Test func lineExactlyAtTheCapIsKept() throws {
    let exact = String(repeating: "y", count: 100)
    let fd = try pipeHolding(Array("\(exact)\n".utf8))
    #expect(try readAll(fd: fd, maxLineBytes: 100) == [.line(exact, 1)])
  }

  @Test func tooLongLastLineWithoutNewlineIsReported() throws {
    let fd = try pipeHolding(Array("ok\n".utf8) + [UInt8](repeating: 0x7A, count: 500))
    #expect(try readAll(fd: fd, maxLineBytes: 100) == [.line("ok", 1), .tooLong(2, 500)])
  }

  @Test func tooLongLineUnderNULDelimiter() throws {
    let fd = try pipeHolding(Array("a\0".utf8) + [UInt8](repeating: 0x41, count: 300) + [0, 0x62])
    #expect(
      try readAll(fd: fd, delimiter: 0, maxLineBytes: 64)
        == [.line("a", 1), .tooLong(2, 300), .line("b", 3)])
  }

  @Test func linesSpanningTheBufferAreJoined() throws {
    // The reader's buffer is 64 KiB: these lines cross one or more refills.
    let sizes = [70_000, 1, 65_535, 65_536, 65_537, 200_000]
    var input: [UInt8] = []
    for (i, size) in sizes.enumerated() {
      input += [UInt8](repeating: UInt8(ascii: "a") + UInt8(i), count: size) + [0x0A]
    }
    let units = try readAll(fd: try fileDescriptor(holding: input))
    #expect(units.count == sizes.count)
    for (i, size) in sizes.enumerated() {
      let expected = String(
        repeating: Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(i))), count: size)
      #expect(units[i] == .line(expected, i + 1), "line \(i + 1)")
    }
  }

  @Test func lineOverTheDefaultCapIsSkippedAcrossManyRefills() throws {
    let cap = 1 << 20
    var input = Array("before\n".utf8)
    input += [UInt8](repeating: 0x7B, count: cap + 1) + [0x0A]
    input += Array("after\n".utf8)
    input += [UInt8](repeating: 0x7B, count: 3 * cap) + [0x0A]
    input += Array("end".utf8)
    let units = try readAll(fd: try fileDescriptor(holding: input))
    #expect(
      units == [
        .line("before", 1), .tooLong(2, cap + 1), .line("after", 3), .tooLong(4, 3 * cap),
        .line("end", 5),
      ])
  }

  @Test func readErrorIsThrown() throws {
    // A folder cannot be read(2): EISDIR.
    let fd = open("/", O_RDONLY | O_DIRECTORY)
    try #require(fd >= 0)
    #expect(throws: LineReaderError.self) { try readAll(fd: fd) }
    // A descriptor that is not open: EBADF. (Not a closed one: another test may reuse it.)
    var reader = LineReader(fd: -1)
    do {
      _ = try reader.next()
      Issue.record("reading a closed descriptor succeeded")
    } catch let error as LineReaderError {
      #expect(error.code == EBADF)
      #expect(error.description.hasPrefix("cannot read standard input: "))
    }
  }

  @Test func beforeBlockingRunsBeforeEachRead() throws {
    let fd = try pipeHolding(Array("a\nb\n".utf8))
    defer { close(fd) }
    final class Counter: @unchecked Sendable { var calls = 0 }
    let counter = Counter()
    var reader = LineReader(fd: fd)
    reader.beforeBlocking = { counter.calls += 1 }
    var lines = 0
    while try reader.next() != nil { lines += 1 }
    #expect(lines == 2)
    #expect(counter.calls >= 2, "once for the data, once for the end of input")
    #expect(reader.currentLine == 2)
  }
}
