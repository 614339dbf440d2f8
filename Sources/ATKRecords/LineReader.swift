#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why reading the input stopped.
public struct LineReaderError: Error, Sendable, CustomStringConvertible {
  /// The `errno` of the failed `read(2)` or `poll(2)`.
  public var code: Int32

  public var description: String {
    "cannot read standard input: \(String(cString: strerror(code)))"
  }
}

/// Reads delimited lines from a file descriptor through a fixed buffer.
///
/// A line longer than `maxLineBytes` is not kept: the reader skips to the next delimiter and
/// reports `.tooLong` so the caller can fail that one record and go on. Memory stays bounded by
/// the buffer and the cap, whatever the input.
public struct LineReader {
  /// One unit of input.
  public enum Item: Sendable {
    /// A line, without its delimiter, and its number counted from 1.
    case line([UInt8], number: Int)
    /// A line over the cap, which was skipped.
    case tooLong(number: Int, bytes: Int)
  }

  private let fd: Int32
  private let delimiter: UInt8
  private let maxLineBytes: Int
  private var buffer: [UInt8]
  private var start = 0
  private var end = 0
  private var pending: [UInt8] = []
  private var overflowBytes = 0
  private var lineNumber = 0
  private var atEOF = false

  /// Called before a `read(2)` that may block, so buffered output can be flushed first.
  public var beforeBlocking: (() throws -> Void)?
  /// With `onIdle`, how long to wait for input before calling `onIdle`; -1 waits forever.
  public var idleTimeoutMilliseconds: Int32 = -1
  /// Called when no input arrived for `idleTimeoutMilliseconds`.
  public var onIdle: (() throws -> Void)?
  /// Asked when a signal interrupts a read or a wait; `true` ends the input there.
  public var shouldStop: (() -> Bool)?

  /// Whether the input ended because `shouldStop` asked for it.
  public private(set) var wasStopped = false

  /// A reader of `fd`, splitting at `delimiter`.
  public init(fd: Int32 = 0, delimiter: UInt8 = 0x0A, maxLineBytes: Int = 1 << 20) {
    self.fd = fd
    self.delimiter = delimiter
    self.maxLineBytes = maxLineBytes
    self.buffer = [UInt8](repeating: 0, count: 64 * 1024)
  }

  /// The number of the last line returned.
  public var currentLine: Int { lineNumber }

  /// Returns the next line, or nil at the end of input.
  ///
  /// - Throws: `LineReaderError` when the descriptor cannot be read.
  public mutating func next() throws -> Item? {
    while true {
      if start < end {
        let found: Int? = buffer.withUnsafeBufferPointer { b in
          guard let base = b.baseAddress,
            let hit = memchr(base + start, Int32(delimiter), end - start)
          else { return nil }
          return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        if let position = found {
          let item = take(upTo: position)
          start = position + 1
          if let item { return item }
          continue
        }
        append(start..<end)
        start = 0
        end = 0
      }
      if atEOF { return finishLast() }
      try fill()
    }
  }

  /// Completes the line ending at `position` (exclusive); nil if it was an empty line.
  private mutating func take(upTo position: Int) -> Item? {
    lineNumber += 1
    if overflowBytes > 0 || pending.count + (position - start) > maxLineBytes {
      let total = overflowBytes + pending.count + (position - start)
      overflowBytes = 0
      pending.removeAll(keepingCapacity: false)
      return .tooLong(number: lineNumber, bytes: total)
    }
    var line: [UInt8]
    if pending.isEmpty {
      line = Array(buffer[start..<position])
    } else {
      line = pending
      line.append(contentsOf: buffer[start..<position])
      pending.removeAll(keepingCapacity: true)
    }
    if line.isEmpty { return nil }
    return .line(line, number: lineNumber)
  }

  private mutating func append(_ range: Range<Int>) {
    if overflowBytes > 0 || pending.count + range.count > maxLineBytes {
      overflowBytes += pending.count + range.count
      pending.removeAll(keepingCapacity: false)
    } else {
      pending.append(contentsOf: buffer[range])
    }
  }

  private mutating func finishLast() -> Item? {
    guard overflowBytes > 0 || !pending.isEmpty else { return nil }
    lineNumber += 1
    if overflowBytes > 0 {
      let total = overflowBytes
      overflowBytes = 0
      return .tooLong(number: lineNumber, bytes: total)
    }
    let line = pending
    pending = []
    return .line(line, number: lineNumber)
  }

  private mutating func fill() throws {
    try beforeBlocking?()
    while true {
      if let onIdle, idleTimeoutMilliseconds >= 0 {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, idleTimeoutMilliseconds)
        if ready == 0 {
          try onIdle()
          continue
        }
        if ready < 0 {
          if errno == EINTR {
            if shouldStop?() == true { return stop() }
            continue
          }
          throw LineReaderError(code: errno)
        }
      }
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count > 0 {
        start = 0
        end = count
        return
      }
      if count == 0 {
        atEOF = true
        return
      }
      if errno == EINTR {
        if shouldStop?() == true { return stop() }
        continue
      }
      if errno == EAGAIN { continue }
      throw LineReaderError(code: errno)
    }
  }

  private mutating func stop() {
    wasStopped = true
    atEOF = true
    pending.removeAll()
    overflowBytes = 0
  }
}
