import ATKAudio
import ATKKit

/// Opens the right sink for a format.
public enum AudioSinks {
  /// A sink writing `settings.format` into `output`'s temporary file.
  ///
  /// - Throws: `SoundFileError.cannotWrite` when the encoder refuses the settings.
  public static func open(
    _ settings: EncoderSettings, into output: OutputFile
  ) throws(SoundFileError) -> any AudioSink {
    switch settings.format {
    case .mp3: try Mp3Sink(settings: settings, output: output)
    case .wav, .flac, .ogg, .opus: try SndfileSink(settings: settings, output: output)
    }
  }
}
