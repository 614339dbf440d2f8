/// Interleaved samples passed between the steps of an `AudioChain`.
///
/// The pointer is valid until the step that made it is called again, so a step reads its input
/// at once and never keeps it.
public struct AudioBlock {
  /// The samples, in one of the types libsndfile reads and encoders take.
  public enum Samples {
    /// Floats, full scale ±1.
    case float(UnsafePointer<Float>)
    /// 32-bit integers, full scale (`sf_readf_int`).
    case int32(UnsafePointer<Int32>)
    /// 16-bit integers (`sf_readf_short`).
    case int16(UnsafePointer<Int16>)
  }

  /// The sample data.
  public var samples: Samples
  /// How many frames it holds.
  public var frames: Int

  /// A block of `frames` frames.
  public init(_ samples: Samples, frames: Int) {
    self.samples = samples
    self.frames = frames
  }

  /// A block with no frames.
  public static var empty: AudioBlock {
    AudioBlock(.float(UnsafePointer(bitPattern: 16)!), frames: 0)
  }
}

/// The sample type a step takes or gives.
public enum SampleType: Sendable {
  case float, int32, int16
}

/// One step of an audio chain: takes a block, gives a block, and may hold some frames back
/// until the end of the stream, as sox's effects do (`flow`, then `drain`).
///
/// A step is made for blocks of at most a known number of frames and says how large its
/// output can get, so the chain can size every buffer once, before the first block.
public protocol AudioProcessor: AnyObject {
  /// The sample type `process` takes.
  var inputType: SampleType { get }
  /// The sample type it gives.
  var outputType: SampleType { get }
  /// Channels in and out.
  var inputChannels: Int { get }
  var outputChannels: Int { get }
  /// The most frames one call of `process` or `drain` returns.
  var maxOutputFrames: Int { get }

  /// Processes one block (at most the frames the step was made for).
  ///
  /// - Returns: the frames ready now, possibly none; valid until the next call.
  func process(_ block: AudioBlock) throws(AudioProcessingError) -> AudioBlock

  /// Returns frames still held at the end of the stream; called until it returns none.
  func drain() throws(AudioProcessingError) -> AudioBlock
}

extension AudioProcessor {
  /// Most steps hold nothing back.
  public func drain() throws(AudioProcessingError) -> AudioBlock { .empty }
}

/// Why a processing step failed.
public struct AudioProcessingError: Error, Sendable, CustomStringConvertible {
  /// What went wrong, for the record's error message.
  public var reason: String
  public init(reason: String) { self.reason = reason }
  public var description: String { reason }
}
