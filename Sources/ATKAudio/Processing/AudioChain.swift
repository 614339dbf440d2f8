/// A reader, a list of processing steps and a sink: the one loop that moves audio in atk.
///
/// Blocks of at most `blockFrames` frames are read from a `SoundFile` in the sample type the
/// first step takes (or the sink's, when there is no step), passed through each step in turn and
/// written to an `AudioSink`. `finish` drains the steps in order at the end of the stream, each
/// step's held-back frames going through the steps after it. Gain, mixing, resampling,
/// quantising (and later EQ, dynamics, denoise, trimming) are steps; no tool writes its own
/// read/write loop.
public final class AudioChain {
  /// The steps, first to last.
  public let steps: [any AudioProcessor]
  /// The sample type read from the file.
  public let readType: SampleType
  /// Frames per block read.
  public let blockFrames: Int
  private let channels: Int
  private let buffer: UnsafeMutableRawPointer

  /// A chain reading `channels`-channel blocks of `readType` through `steps`.
  ///
  /// The steps must fit: each takes the type and channel count the one before gives, and
  /// each was made for blocks of at least the frames the one before can give. (This is a
  /// programmer's promise, checked in debug builds.)
  public init(
    reading readType: SampleType, channels: Int, blockFrames: Int = 8192,
    steps: [any AudioProcessor] = []
  ) {
    self.readType = readType
    self.channels = channels
    self.blockFrames = blockFrames
    self.steps = steps
    var type = readType
    var width = channels
    for step in steps {
      assert(step.inputType == type && step.inputChannels == width, "chain steps do not fit")
      type = step.outputType
      width = step.outputChannels
    }
    buffer = .allocate(byteCount: blockFrames * channels * 4, alignment: 16)
  }

  deinit { buffer.deallocate() }

  /// The sample type the chain gives its sink.
  public var outputType: SampleType { steps.last?.outputType ?? readType }

  /// Reads up to `limit` frames (nil: to the end) from `file` and writes them through the
  /// steps into `sink`; returns the frames read, fewer than `limit` only at the end of the file.
  ///
  /// - Parameter isCancelled: asked between blocks; a stop throws `.cancelled`.
  /// - Throws: `AudioChainError`.
  public func run(
    from file: SoundFile, limit: Int64? = nil, into sink: any AudioSink,
    isCancelled: () -> Bool
  ) throws(AudioChainError) -> Int64 {
    var total: Int64 = 0
    while limit.map({ total < $0 }) ?? true {
      if isCancelled() { throw .cancelled }
      let want = limit.map { Int(min(Int64(blockFrames), $0 - total)) } ?? blockFrames
      let block = read(file, frames: want)
      if block.frames <= 0 { break }
      total += Int64(block.frames)
      try push(block, from: 0, into: sink)
    }
    return total
  }

  /// Drains every step at the end of the stream, in order, into `sink`.
  public func finish(into sink: any AudioSink) throws(AudioChainError) {
    for (index, step) in steps.enumerated() {
      while true {
        let held: AudioBlock
        do { held = try step.drain() } catch { throw .processing(error) }
        if held.frames == 0 { break }
        try push(held, from: index + 1, into: sink)
      }
    }
  }

  /// Passes `block` through the steps from `first` on, then to the sink.
  private func push(_ block: AudioBlock, from first: Int, into sink: any AudioSink)
    throws(AudioChainError)
  {
    var block = block
    for step in steps[first...] {
      do { block = try step.process(block) } catch { throw .processing(error) }
      if block.frames == 0 { return }
    }
    do {
      switch block.samples {
      case .float(let samples): try sink.write(samples, frames: block.frames)
      case .int32(let samples): try sink.write(samples, frames: block.frames)
      case .int16(let samples): try sink.write(samples, frames: block.frames)
      }
    } catch { throw .output(error) }
  }

  private func read(_ file: SoundFile, frames: Int) -> AudioBlock {
    switch readType {
    case .float:
      let samples = buffer.assumingMemoryBound(to: Float.self)
      return AudioBlock(.float(samples), frames: file.read(into: samples, frames: frames))
    case .int32:
      let samples = buffer.assumingMemoryBound(to: Int32.self)
      return AudioBlock(.int32(samples), frames: file.read(into: samples, frames: frames))
    case .int16:
      let samples = buffer.assumingMemoryBound(to: Int16.self)
      return AudioBlock(.int16(samples), frames: file.read(into: samples, frames: frames))
    }
  }
}

/// Why a chain stopped.
public enum AudioChainError: Error {
  /// A stop (SIGINT, SIGTERM, a closed pipe) was asked for.
  case cancelled
  /// A step failed.
  case processing(AudioProcessingError)
  /// The sink could not write.
  case output(SoundFileError)
}
