import ATKCore
import ATKRecords
import ATKTestSupport
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
    return error.code
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
