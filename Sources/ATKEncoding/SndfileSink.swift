import ATKAudio
import ATKKit
import ATKRecords
import CSndFile

#if canImport(Glibc)
  import Glibc
#endif

/// WAV, FLAC, Ogg Vorbis and Ogg Opus through libsndfile.
final class SndfileSink: AudioSink {
  private let file: SoundFile
  private let settings: EncoderSettings
  private let output: OutputFile
  private var frames: Int64 = 0

  init(settings: EncoderSettings, output: OutputFile) throws(SoundFileError) {
    self.settings = settings
    self.output = output
    let format: Int
    switch settings.format {
    case .wav:
      format = SF_FORMAT_WAV | Self.subtype(settings.sampleEncoding ?? .pcm16)
    case .flac:
      format = SF_FORMAT_FLAC | Self.subtype(settings.sampleEncoding ?? .pcm16)
    case .ogg: format = SF_FORMAT_OGG | SF_FORMAT_VORBIS
    case .opus: format = SF_FORMAT_OGG | SF_FORMAT_OPUS
    case .mp3: preconditionFailure("mp3 goes through Mp3Sink")
    }
    file = try SoundFile.create(
      descriptor: output.descriptor, path: output.finalPath, format: Int32(format),
      sampleRate: settings.sampleRate, channels: settings.channels)
    file.setTags(settings.tags)
    switch settings.format {
    case .flac:
      file.set(Int32(SFC_SET_COMPRESSION_LEVEL), Double(settings.compression ?? 5) / 8)
    case .ogg:
      if let quality = settings.quality {
        file.set(Int32(SFC_SET_COMPRESSION_LEVEL), 1 - max(0, min(10, quality)) / 10)
      }
    case .opus:
      if let bitrate = settings.bitrate {
        // libsndfile 1.2 maps compression level 0...1 linearly onto 256...6 kbit/s per channel.
        let perChannel = Double(bitrate) / Double(max(1, settings.channels))
        let level = 1 - (perChannel - 6) / 250
        file.set(Int32(SFC_SET_COMPRESSION_LEVEL), max(0, min(1, level)))
      }
    default: break
    }
    file.set(Int32(SFC_SET_CLIPPING), flag: true)
  }

  private static func subtype(_ encoding: EncoderSettings.SampleEncoding) -> Int {
    switch encoding {
    case .pcm16: SF_FORMAT_PCM_16
    case .pcm24: SF_FORMAT_PCM_24
    case .pcm32: SF_FORMAT_PCM_32
    case .float: SF_FORMAT_FLOAT
    }
  }

  var prefersIntegers: Bool { settings.format.isLossless && settings.sampleEncoding != .float }

  func write(_ samples: UnsafePointer<Int32>, frames count: Int) throws(SoundFileError) {
    try file.write(samples, frames: count)
    frames += Int64(count)
  }

  func write(_ samples: UnsafePointer<Float>, frames count: Int) throws(SoundFileError) {
    try file.write(samples, frames: count)
    frames += Int64(count)
  }

  func write(_ samples: UnsafePointer<Int16>, frames count: Int) throws(SoundFileError) {
    try file.write(samples, frames: count)
    frames += Int64(count)
  }

  func finish() throws(SoundFileError) -> AudioFacts {
    let format = file.format
    try file.close()
    if settings.format == .ogg || settings.format == .opus {
      let serial = OggSerial.serial(for: output.finalPath.lastComponent)
      guard OggSerial.rewrite(descriptor: output.descriptor, serial: serial) else {
        throw .cannotWrite(path: output.finalPath, reason: "cannot rewrite the Ogg pages")
      }
    }
    var status = stat()
    let size = fstat(output.descriptor, &status) == 0 ? Int64(status.st_size) : 0
    return AudioFacts(
      format: AudioFormat.containerName(format), encoding: AudioFormat.encodingName(format),
      sampleRate: settings.sampleRate, channels: settings.channels, frames: frames, bytes: size,
      bitrate: settings.format.isLossless
        ? nil
        : AudioFacts.averageBitrate(bytes: size, frames: frames, sampleRate: settings.sampleRate))
  }
}
