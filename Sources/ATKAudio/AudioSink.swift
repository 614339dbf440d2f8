/// An encoder writing one output file, fed interleaved frames.
///
/// Lossless sinks take 32-bit integers (full scale, as `sf_readf_int` returns them) so PCM
/// passes through bit for bit; every sink also takes floats in [-1, 1].
public protocol AudioSink: AnyObject {
  /// Whether integer frames keep the samples exact (PCM and FLAC outputs).
  var prefersIntegers: Bool { get }

  /// Encodes interleaved 32-bit integer frames.
  func write(_ samples: UnsafePointer<Int32>, frames: Int) throws(SoundFileError)

  /// Encodes interleaved float frames.
  func write(_ samples: UnsafePointer<Float>, frames: Int) throws(SoundFileError)

  /// Encodes interleaved 16-bit integer frames (as `sf_readf_short` returns them): the cheapest
  /// path for 16-bit sources, and the one the `lame` command line takes.
  func write(_ samples: UnsafePointer<Int16>, frames: Int) throws(SoundFileError)

  /// Ends the stream (trailers, the MP3 LAME tag) and returns the facts of the written file.
  ///
  /// The caller then commits the `OutputFile` the sink was writing into.
  func finish() throws(SoundFileError) -> AudioFacts
}
