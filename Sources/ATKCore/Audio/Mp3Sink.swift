import ATKRecords
import CLame

/// MP3 through the LAME API. (Being written: see the convert work.)
final class Mp3Sink: AudioSink {
  init(settings: EncoderSettings, output: OutputFile) throws(SoundFileError) {
    throw .cannotWrite(path: output.finalPath, reason: "mp3 output is not implemented yet")
  }
  var prefersIntegers: Bool { false }
  func write(_ samples: UnsafePointer<Int32>, frames: Int) throws(SoundFileError) {}
  func write(_ samples: UnsafePointer<Float>, frames: Int) throws(SoundFileError) {}
  func finish() throws(SoundFileError) -> AudioFacts {
    AudioFacts(format: "mp3", encoding: "mp3", sampleRate: 0, channels: 0, frames: 0, bytes: 0)
  }
}
