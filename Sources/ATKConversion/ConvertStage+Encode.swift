import ATKAudio
import ATKKit
import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

extension ConvertStage {
  // MARK: - Streaming the audio

  /// Reads every frame of `file`, converts it and feeds `sink`; returns the frames read.
  func encode(
    _ file: SoundFile, source: Source, into sink: any AudioSink, settings: EncoderSettings,
    _ context: StageContext
  ) throws(Failure) -> Int64 {
    let chain = try Self.chain(
      for: source, settings: settings, sinkPrefersIntegers: sink.prefersIntegers)
    do {
      let frames = try chain.run(from: file, into: sink) { Cancellation.isRequested }
      try chain.finish(into: sink)
      return frames
    } catch {
      switch error {
      case .cancelled: throw .cancelled
      case .processing(let problem): throw .failed(code: .cannotWrite, message: problem.reason)
      case .output(let problem): throw Failure(problem)
      }
    }
  }

  /// The steps from a source to the settings' shape: integers straight through where that is
  /// exact (reduced to fewer bits when the output has fewer), otherwise floats mixed down,
  /// resampled, mixed up and quantised.
  static func chain(for source: Source, settings: EncoderSettings, sinkPrefersIntegers: Bool)
    throws(Failure) -> AudioChain
  {
    let block = blockFrames
    let sameShape = settings.sampleRate == source.sampleRate && settings.channels == source.channels
    let targetBits = settings.sampleEncoding.flatMap { $0 == .float ? nil : $0.bits }
    if let sourceBits = source.bits, sameShape, sinkPrefersIntegers {
      // 8- and 16-bit PCM as 16-bit integers: exact, and the cheapest path through libsndfile
      // and LAME. Deeper integers as 32-bit: bit-exact unless the output has fewer bits.
      if sourceBits <= 16 {
        return AudioChain(reading: .int16, channels: source.channels, blockFrames: block)
      }
      var steps: [any AudioProcessor] = []
      if let bits = targetBits, bits < sourceBits {
        steps.append(BitReduceStep(bits: bits, channels: source.channels, maxFrames: block))
      }
      return AudioChain(
        reading: .int32, channels: source.channels, blockFrames: block, steps: steps)
    }

    var steps: [any AudioProcessor] = []
    var channels = source.channels
    var frames = block
    if settings.channels < channels {
      steps.append(MixStep(from: channels, to: settings.channels, maxFrames: frames))
      channels = settings.channels
    }
    if settings.sampleRate != source.sampleRate {
      let resampler: Resampler
      do {
        resampler = try Resampler(
          from: source.sampleRate, to: settings.sampleRate, channels: channels,
          maxInputFrames: frames)
      } catch {
        throw .failed(code: .cannotWrite, message: error.description)
      }
      steps.append(resampler)
      frames = resampler.maxOutputFrames
    }
    if settings.channels > channels {
      steps.append(MixStep(from: channels, to: settings.channels, maxFrames: frames))
      channels = settings.channels
    }
    if let bits = targetBits {
      steps.append(QuantizeStep(bits: bits, channels: channels, maxFrames: frames))
    }
    return AudioChain(reading: .float, channels: source.channels, blockFrames: block, steps: steps)
  }
}
