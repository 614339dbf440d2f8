import ATKAudio
import ATKKit
import ATKRecords
import ATKTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The `error.code` SoundFile.open gives `path`, or "ok".
func openCode(_ path: RawPath) -> String {
  do {
    _ = try SoundFile.open(reading: path)
    return "ok"
  } catch {
    return error.code.rawValue
  }
}

/// The code and message SoundFile.open gives `path`.
func openOutcome(_ path: RawPath) -> String {
  do {
    _ = try SoundFile.open(reading: path)
    return "ok"
  } catch {
    return "\(error.code) (\(error.description))"
  }
}

@Suite struct SoundFileOpenTests {
  @Test func goodWAVStatesItsFacts() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("tone.wav")
    try TestFiles.wav(path, frames: 1234, channels: 2, rate: 8000)
    let file = try SoundFile.open(reading: path)
    #expect(file.frames == 1234)
    #expect(file.sampleRate == 8000)
    #expect(file.channels == 2)
    #expect(file.seekable)
    #expect(AudioFormat.containerName(file.format) == "wav")
    #expect(AudioFormat.encodingName(file.format) == "pcm_16")
    #expect(AudioFormat.integerBits(file.format) == 16)
    try file.close()
  }

  @Test func samplesReadBackExactly() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("noise.wav")
    try TestAudio.writeWAV(dir.file("noise.wav"), frames: 500, channels: 2, signal: TestAudio.noise)
    let expected = try TestAudio.samples(ofWAV: dir.file("noise.wav")).samples
    let file = try SoundFile.open(reading: path)
    var buffer = [Int16](repeating: 0, count: 1000)
    let n = buffer.withUnsafeMutableBufferPointer { file.read(into: $0.baseAddress!, frames: 500) }
    #expect(n == 500)
    #expect(buffer.map(Int32.init) == expected)
  }

  @Test func zeroByteFileIsEmpty() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.write(dir.raw.appending("empty.wav"), [])
    #expect(openCode(dir.raw.appending("empty.wav")) == "empty_file")
  }

  @Test func textIsNotAudio() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("notes.wav")
    try TestFiles.write(path, Array(String(repeating: "just some text\n", count: 40).utf8))
    #expect(openCode(path) == "not_audio")
  }

  @Test func truncatedWAVIsTruncated() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("cut.wav")
    let bytes = TestAudio.wav(frames: 4000)
    try TestFiles.write(path, Array(bytes.prefix(bytes.count / 2)))
    #expect(openCode(path) == "truncated")
  }

  @Test(arguments: [4, 8, 12, 20, 30, 36, 40, 43, 44])
  func wavCutInsideItsHeaderIsTruncated(length: Int) throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("head.wav")
    try TestFiles.write(path, Array(TestAudio.wav(frames: 800).prefix(length)))
    #expect(openCode(path) == "truncated", "cut at \(length) bytes")
  }

  @Test func fakeM4AIsUnsupported() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("song.m4a")
    try TestFiles.write(path, TestFiles.fakeM4A)
    #expect(openCode(path) == "unsupported_format")
    do {
      _ = try SoundFile.open(reading: path)
    } catch {
      #expect(error.description.contains("M4A"))
    }
  }

  @Test func damagedHeaderIsCorrupt() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("bad.wav")
    var junk = Array("RIFF".utf8)
    var x: UInt32 = 12345
    for _ in 0..<6000 {
      x = x &* 1_103_515_245 &+ 12345
      junk.append(UInt8(truncatingIfNeeded: x >> 16))
    }
    try TestFiles.write(path, junk)
    #expect(openCode(path) == "corrupt")
  }

  @Test func missingFileIsNotFound() throws {
    let dir = try TemporaryDirectory()
    #expect(openCode(dir.raw.appending("nothing.wav")) == "not_found")
  }

  @Test func pathThroughARegularFileIsNotFound() throws {
    // ENOTDIR: works as root too, unlike permission bits.
    let dir = try TemporaryDirectory()
    try TestFiles.wav(dir.raw.appending("a.wav"))
    #expect(openCode(dir.raw.appending("a.wav/b.wav")) == "not_found")
  }

  @Test func folderAndFIFOAreNotAudioAndDoNotBlock() throws {
    let dir = try TemporaryDirectory()
    #expect(openCode(dir.raw) == "not_audio")
    try #require(mkfifo(dir.path + "/fifo.wav", 0o644) == 0)
    #expect(openCode(dir.raw.appending("fifo.wav")) == "not_audio")
  }

  @Test func linkLoopIsASymlinkLoop() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.link(dir.raw.appending("self.wav"), to: "self.wav")
    #expect(openCode(dir.raw.appending("self.wav")) == "symlink_loop")
  }

  @Test func unreadableFileIsUnreadable() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("locked.wav")
    try TestFiles.wav(path)
    chmod(dir.path + "/locked.wav", 0)
    // Root opens any file whatever its mode; the check only means something for other users.
    if !TestFiles.isRoot {
      #expect(openCode(path) == "unreadable")
    } else {
      #expect(openCode(path) == "ok")
    }
  }

  @Test func everyBadKindHasItsOwnCode() throws {
    let dir = try TemporaryDirectory()
    let wav = TestAudio.wav(frames: 4000)
    let cases: [(String, [UInt8])] = [
      ("empty.wav", []), ("text.wav", Array("hello, world\n".utf8)),
      ("cut.wav", Array(wav.prefix(3000))), ("song.m4a", TestFiles.fakeM4A),
    ]
    var codes: [String] = []
    for (name, bytes) in cases {
      try TestFiles.write(dir.raw.appending(name), bytes)
      codes.append(openCode(dir.raw.appending(name)))
    }
    codes.append(openCode(dir.raw.appending("missing.wav")))
    #expect(codes == ["empty_file", "not_audio", "truncated", "unsupported_format", "not_found"])
  }
}

/// libsndfile keeps the error and log of a failed open in globals, and closes the descriptor
/// it was given; these check that SoundFile.open stays right when several threads open at once
/// (`--jobs`, and the test runner itself).
@Suite struct SoundFileConcurrencyTests {
  @Test func failedOpensOnManyThreadsKeepTheirOwnCodes() throws {
    let dir = try TemporaryDirectory()
    let wav = TestAudio.wav(frames: 4000)
    let cases: [(String, [UInt8], String)] = [
      ("text.wav", Array(String(repeating: "text ", count: 50).utf8), "not_audio"),
      ("head.wav", Array(wav.prefix(36)), "truncated"),
      ("cut.wav", Array(wav.prefix(3000)), "truncated"),
      ("song.m4a", TestFiles.fakeM4A, "unsupported_format"),
      ("good.wav", wav, "ok"),
    ]
    for (name, bytes, _) in cases { try TestFiles.write(dir.raw.appending(name), bytes) }
    let wrong = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 8) { worker in
      for round in 0..<150 {
        let (name, _, expected) = cases[(worker + round) % cases.count]
        let outcome = openOutcome(dir.raw.appending(name))
        if !outcome.hasPrefix(expected) { wrong.withLock { $0.append("\(name): \(outcome)") } }
      }
    }
    #expect(wrong.withLock { $0 } == [])
  }

  @Test func failedOpensCloseNoOtherDescriptor() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.write(dir.raw.appending("text.wav"), Array("not audio at all\n".utf8))
    let lost = Mutex(0)
    DispatchQueue.concurrentPerform(iterations: 6) { worker in
      for _ in 0..<300 {
        if worker % 2 == 0 {
          _ = openCode(dir.raw.appending("text.wav"))
        } else {
          // Another thread's descriptor must stay open until it closes it itself.
          let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
          var info = stat()
          for _ in 0..<20 where fstat(fd, &info) != 0 {
            lost.withLock { $0 += 1 }
            break
          }
          close(fd)
        }
      }
    }
    #expect(lost.withLock { $0 } == 0, "a failed open closed someone else's descriptor")
  }

  @Test func completeButDamagedOggIsCorruptNotTruncated() throws {
    let dir = try TemporaryDirectory()
    let whole = dir.raw.appending("whole.ogg")
    try encodedFile(.ogg, at: whole)
    var bytes = try #require(TestFiles.read(whole))
    // Wreck the Vorbis identification header in the first page; the last page stays whole.
    for i in 28..<58 { bytes[i] = 0 }
    let damaged = dir.raw.appending("damaged.ogg")
    try TestFiles.write(damaged, bytes)
    #expect(openCode(damaged) == "corrupt")
  }
}

@Suite struct SoundFileCreateTests {
  @Test func refusedOutputLeavesTheCallersDescriptorOpen() throws {
    let dir = try TemporaryDirectory()
    let output = try OutputFile(finalPath: dir.raw.appending("out.opus"))
    // Opus takes 8, 12, 16, 24 or 48 kHz only, so libsndfile refuses 44.1 kHz.
    let opusFormat: Int32 = 0x20_0000 | 0x0064  // SF_FORMAT_OGG | SF_FORMAT_OPUS
    #expect(throws: SoundFileError.self) {
      _ = try SoundFile.create(
        descriptor: output.descriptor, path: output.finalPath, format: opusFormat,
        sampleRate: 44100, channels: 2)
    }
    var info = stat()
    #expect(fstat(output.descriptor, &info) == 0, "the output's descriptor was closed")
    output.abandon()
  }

  @Test func writtenFileKeepsTheCallersDescriptorOpen() throws {
    let dir = try TemporaryDirectory()
    let output = try OutputFile(finalPath: dir.raw.appending("out.wav"))
    let file = try SoundFile.create(
      descriptor: output.descriptor, path: output.finalPath, format: 0x01_0000 | 0x0002,
      sampleRate: 8000, channels: 1)
    var samples = [Int16](repeating: 1000, count: 800)
    try samples.withUnsafeMutableBufferPointer { try file.write($0.baseAddress!, frames: 800) }
    try file.close()
    var info = stat()
    #expect(fstat(output.descriptor, &info) == 0)
    try output.commit()
    let back = try SoundFile.open(reading: output.finalPath)
    #expect(back.frames == 800)
  }
}
