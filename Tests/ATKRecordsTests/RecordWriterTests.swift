import ATKRecords
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Reads what is in `fd` right now, without waiting (the descriptor must be non-blocking).
func drain(_ fd: Int32) -> [UInt8] {
  var out: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n <= 0 { return out }
    out += chunk[..<n]
  }
}

@Suite struct RecordWriterTests {
  @Test func writesToDevFullThrowENOSPC() throws {
    let fd = open("/dev/full", O_WRONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    let writer = RecordWriter(fd: fd)
    // Buffered: nothing is written yet, so nothing fails yet.
    try writer.write(Record(["path": "a.wav"]))
    #expect(writer.hasPending)
    do {
      try writer.flush()
      Issue.record("flushing to /dev/full succeeded")
    } catch {
      #expect(error.code == ENOSPC)
      #expect(error.description.contains("cannot write to standard output"))
    }
  }

  @Test func unbufferedWriterFailsOnTheFirstRecord() throws {
    let fd = open("/dev/full", O_WRONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    let writer = RecordWriter(fd: fd, unbuffered: true)
    #expect(throws: RecordWriterError.self) { try writer.write(Record(["path": "a.wav"])) }
  }

  @Test func fullBufferFlushesByItself() throws {
    let fd = open("/dev/full", O_WRONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    let writer = RecordWriter(fd: fd, capacity: 1024)
    let record = Record(["path": .string(String(repeating: "p", count: 100))])
    #expect(throws: RecordWriterError.self) {
      for _ in 0..<100 { try writer.write(record) }
    }
  }

  @Test func writingToAClosedPipeThrowsEPIPE() throws {
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    close(ends[0])
    defer { close(ends[1]) }
    // SIGPIPE would kill the test runner. Ignoring it process-wide would also make every tool
    // the other tests start ignore it (dispositions survive exec), so block it on this thread
    // only, take the pending signal, and restore the mask.
    var pipeSignal = sigset_t()
    sigemptyset(&pipeSignal)
    sigaddset(&pipeSignal, SIGPIPE)
    var saved = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeSignal, &saved)
    defer {
      var none = timespec()
      while sigtimedwait(&pipeSignal, nil, &none) == SIGPIPE {}
      pthread_sigmask(SIG_SETMASK, &saved, nil)
    }
    let writer = RecordWriter(fd: ends[1])
    try writer.write(Record(["path": "a.wav"]))
    do {
      try writer.flush()
      Issue.record("writing to a pipe with no reader succeeded")
    } catch {
      #expect(error.code == EPIPE)
    }
  }

  @Test func bytesOnTheWireAreTheSortedLines() throws {
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    defer { close(ends[0]) }
    _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
    let writer = RecordWriter(fd: ends[1])
    try writer.write(Record(["z": 1, "a": "x"]))
    try writer.write(bytes: Array("{\"raw\":true}\n".utf8))
    #expect(drain(ends[0]) == [], "buffered until flushed")
    try writer.flush()
    #expect(!writer.hasPending)
    close(ends[1])
    #expect(
      String(decoding: drain(ends[0]), as: UTF8.self) == "{\"a\":\"x\",\"z\":1}\n{\"raw\":true}\n")
  }

  @Test func unbufferedWriterWritesEachRecordAtOnce() throws {
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    defer {
      close(ends[0])
      close(ends[1])
    }
    _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
    let writer = RecordWriter(fd: ends[1], unbuffered: true)
    try writer.write(Record(["n": 1]))
    #expect(String(decoding: drain(ends[0]), as: UTF8.self) == "{\"n\":1}\n")
    try writer.write(Record(["n": 2]))
    #expect(String(decoding: drain(ends[0]), as: UTF8.self) == "{\"n\":2}\n")
  }

  @Test func manyRecordsThroughAFileArriveWhole() throws {
    let fd = try fileDescriptor(holding: [])
    defer { close(fd) }
    let writer = RecordWriter(fd: fd, capacity: 4096)
    var expected: [UInt8] = []
    for i in 0..<5000 {
      let record = Record(["path": .string("folder/file \(i).wav"), "frames": .int(Int64(i) << 33)])
      record.encode(into: &expected)
      try writer.write(record)
    }
    try writer.flush()
    lseek(fd, 0, SEEK_SET)
    var written: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      written += chunk[..<n]
    }
    #expect(written == expected)
  }

  @Test func flushIfOlderThanWaitsForTheDeadline() throws {
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    defer {
      close(ends[0])
      close(ends[1])
    }
    _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
    let writer = RecordWriter(fd: ends[1])
    try writer.flush()  // starts the clock
    try writer.write(Record(["n": 1]))
    try writer.flush(ifOlderThan: 60_000)
    #expect(writer.hasPending)
    try writer.flush(ifOlderThan: 0)
    #expect(!writer.hasPending)
    #expect(drain(ends[0]) == Array("{\"n\":1}\n".utf8))
  }
}
