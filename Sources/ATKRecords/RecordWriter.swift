#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why writing records failed.
public struct RecordWriterError: Error, Sendable, CustomStringConvertible {
  /// The `errno` of the failed `write(2)`.
  public var code: Int32

  public var description: String {
    "cannot write to standard output: \(String(cString: strerror(code)))"
  }
}

/// Writes record lines to a file descriptor through a 64 KiB buffer.
///
/// Unlike `print`, it reports every failed write (a full disk, a closed pipe): it retries on
/// `EINTR`, loops over short writes, and throws on anything else.
public final class RecordWriter {
  private let fd: Int32
  private let capacity: Int
  private let unbuffered: Bool
  private var buffer: [UInt8] = []
  private var lastFlush = ContinuousClock.now

  /// A writer to `fd`; with `unbuffered`, every record is written at once.
  public init(fd: Int32 = 1, capacity: Int = 64 * 1024, unbuffered: Bool = false) {
    self.fd = fd
    self.capacity = capacity
    self.unbuffered = unbuffered
    buffer.reserveCapacity(capacity + 4096)
  }

  /// Buffers one record line.
  ///
  /// - Throws: `RecordWriterError` when a flush fails.
  public func write(_ record: Record) throws(RecordWriterError) {
    record.encode(into: &buffer)
    try afterAppend()
  }

  /// Buffers bytes as they are (a line passed through byte for byte, with its newline).
  public func write<C: Collection<UInt8>>(bytes: C) throws(RecordWriterError) {
    buffer.append(contentsOf: bytes)
    try afterAppend()
  }

  private func afterAppend() throws(RecordWriterError) {
    if unbuffered || buffer.count >= capacity { try flush() }
  }

  /// Whether bytes are waiting in the buffer.
  public var hasPending: Bool { !buffer.isEmpty }

  /// Flushes when the oldest buffered line has waited at least `milliseconds`.
  public func flush(ifOlderThan milliseconds: Int) throws(RecordWriterError) {
    guard !buffer.isEmpty else { return }
    if ContinuousClock.now - lastFlush >= .milliseconds(milliseconds) { try flush() }
  }

  /// Writes out everything buffered.
  public func flush() throws(RecordWriterError) {
    lastFlush = ContinuousClock.now
    guard !buffer.isEmpty else { return }
    var failure: Int32 = 0
    buffer.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n > 0 {
          offset += n
        } else if n < 0 && errno == EINTR {
          continue
        } else {
          failure = n < 0 ? errno : EIO
          return
        }
      }
    }
    buffer.removeAll(keepingCapacity: true)
    if failure != 0 { throw RecordWriterError(code: failure) }
  }
}
