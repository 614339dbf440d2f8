import ATKAudio
import ATKRecords
import ATKTestSupport
import Testing

/// Opening an input: its length, however the file states it, and readers that decode all of it.
@Suite struct AudioInputTests {
  /// The frames a reader decodes from where it stands to the end.
  func decodedFrames(_ file: SoundFile) -> Int64 {
    var block = [Int32](repeating: 0, count: 1024 * max(1, file.channels))
    var total: Int64 = 0
    while true {
      let n = block.withUnsafeMutableBufferPointer {
        file.read(into: $0.baseAddress!, frames: 1024)
      }
      if n <= 0 { return total }
      total += Int64(n)
    }
  }

  @Test func wavStatesItsLengthAndIsReadAgainAfterTheFirstReader() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("a.wav")
    try TestFiles.wav(path, frames: 8000)
    let input = try AudioInput.open(path)
    #expect(input.container == "wav")
    #expect(input.length == .stated)
    #expect(input.frames == 8000)
    let first = try input.reader()
    #expect(first === input.file)
    #expect(decodedFrames(first) == 8000)
    let again = try input.reader()
    #expect(again !== input.file)
    #expect(decodedFrames(again) == 8000)
  }

  @Test func taggedMP3StatesItsLength() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("tagged.mp3")
    try encodedFile(.mp3, at: path)
    let input = try AudioInput.open(path)
    #expect(input.length == .stated)
    #expect(input.frames == 16000)
    #expect(decodedFrames(try input.reader()) == 16000)
  }

  @Test func untaggedMP3IsCountedAsADecoderReadsIt() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("untagged.mp3")
    let source = try TestAudio.writeUntaggedVbrMP3(path)
    let input = try AudioInput.open(RawPath(path))
    #expect(input.length == .counted)
    let frames = try #require(input.frames)
    #expect(frames >= Int64(source), "the audio, plus the encoder's delay and padding")
    // libsndfile's own estimate is far short of it (see TestAudio.writeUntaggedVbrMP3).
    #expect(input.file.frames < frames)
    #expect(decodedFrames(try input.reader()) == frames)
    #expect(decodedFrames(try input.reader()) == frames, "each reader starts at the start")
  }

  @Test func flacWithoutATotalHasNoLength() throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("nototal.flac")
    try encodedFile(.flac, at: path)
    var bytes = try #require(TestFiles.read(path))
    // STREAMINFO's 36-bit total sample count: 0 means unknown (a FLAC written to a pipe).
    bytes[21] &= 0xF0
    for i in 22...25 { bytes[i] = 0 }
    try TestFiles.write(path, bytes)
    let input = try AudioInput.open(path)
    #expect(input.length == .unknown)
    #expect(input.frames == nil)
    #expect(decodedFrames(try input.reader()) == 16000)
  }
}
