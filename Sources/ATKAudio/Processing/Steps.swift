/// Channel mixing as a chain step (see `ChannelMixer` for the rules).
public final class MixStep: AudioProcessor {
  private let mixer: ChannelMixer
  private let output: UnsafeMutablePointer<Float>
  public let maxOutputFrames: Int

  /// A step mixing `inputChannels` to `outputChannels` for blocks of at most `maxFrames`.
  public init(from inputChannels: Int, to outputChannels: Int, maxFrames: Int) {
    mixer = ChannelMixer(from: inputChannels, to: outputChannels)
    maxOutputFrames = maxFrames
    output = .allocate(capacity: maxFrames * outputChannels)
  }

  deinit { output.deallocate() }

  public var inputType: SampleType { .float }
  public var outputType: SampleType { .float }
  public var inputChannels: Int { mixer.inputChannels }
  public var outputChannels: Int { mixer.outputChannels }

  public func process(_ block: AudioBlock) throws(AudioProcessingError) -> AudioBlock {
    guard case .float(let samples) = block.samples else {
      throw AudioProcessingError(reason: "channel mixing takes float samples")
    }
    mixer.mix(samples, frames: block.frames, into: output)
    return AudioBlock(.float(output), frames: block.frames)
  }
}

/// Full-scale 32-bit integers rounded to fewer bits (halves up, saturating), as when 24-bit
/// PCM is written as 16-bit.
public final class BitReduceStep: AudioProcessor {
  private let bits: Int
  private let channels: Int
  private let output: UnsafeMutablePointer<Int32>
  public let maxOutputFrames: Int

  /// A step keeping `bits` bits of `channels`-channel blocks of at most `maxFrames`.
  public init(bits: Int, channels: Int, maxFrames: Int) {
    self.bits = bits
    self.channels = channels
    maxOutputFrames = maxFrames
    output = .allocate(capacity: maxFrames * channels)
  }

  deinit { output.deallocate() }

  public var inputType: SampleType { .int32 }
  public var outputType: SampleType { .int32 }
  public var inputChannels: Int { channels }
  public var outputChannels: Int { channels }

  public func process(_ block: AudioBlock) throws(AudioProcessingError) -> AudioBlock {
    guard case .int32(let samples) = block.samples else {
      throw AudioProcessingError(reason: "bit reduction takes 32-bit integer samples")
    }
    let shift = Int64(32 - bits)
    let half = Int64(1) << (shift - 1)
    let top = (Int64(Int32.max) >> shift) << shift
    for i in 0..<block.frames * channels {
      let value = ((Int64(samples[i]) + half) >> shift) << shift
      output[i] = Int32(min(value, top))
    }
    return AudioBlock(.int32(output), frames: block.frames)
  }
}

/// Floats in [-1, 1] to full-scale integers rounded to `bits` bits (halves up, as
/// `BitReduceStep` does; saturating, no dither), so 16- and 24-bit PCM that went through floats
/// comes back exactly.
public final class QuantizeStep: AudioProcessor {
  private let bits: Int
  private let channels: Int
  private let output: UnsafeMutablePointer<Int32>
  public let maxOutputFrames: Int

  /// A step quantising `channels`-channel blocks of at most `maxFrames` to `bits` bits.
  public init(bits: Int, channels: Int, maxFrames: Int) {
    self.bits = bits
    self.channels = channels
    maxOutputFrames = maxFrames
    output = .allocate(capacity: maxFrames * channels)
  }

  deinit { output.deallocate() }

  public var inputType: SampleType { .float }
  public var outputType: SampleType { .int32 }
  public var inputChannels: Int { channels }
  public var outputChannels: Int { channels }

  public func process(_ block: AudioBlock) throws(AudioProcessingError) -> AudioBlock {
    guard case .float(let samples) = block.samples else {
      throw AudioProcessingError(reason: "quantising takes float samples")
    }
    let scale = Double(Int64(1) << (bits - 1))
    let low = -scale
    let high = scale - 1
    let shift = Int32(32 - bits)
    for i in 0..<block.frames * channels {
      let value = min(max((Double(samples[i]) * scale + 0.5).rounded(.down), low), high)
      output[i] = Int32(value) << shift
    }
    return AudioBlock(.int32(output), frames: block.frames)
  }
}

extension Resampler: AudioProcessor {
  public var inputType: SampleType { .float }
  public var outputType: SampleType { .float }
  public var inputChannels: Int { channels }
  public var outputChannels: Int { channels }

  public func process(_ block: AudioBlock) throws(AudioProcessingError) -> AudioBlock {
    guard case .float(let samples) = block.samples else {
      throw AudioProcessingError(reason: "resampling takes float samples")
    }
    do {
      let out = try process(samples, frames: block.frames)
      return AudioBlock(.float(out.baseAddress ?? samples), frames: out.count / channels)
    } catch { throw AudioProcessingError(reason: error.description) }
  }

  public func drain() throws(AudioProcessingError) -> AudioBlock {
    do {
      let out = try flush()
      guard let base = out.baseAddress, !out.isEmpty else { return .empty }
      return AudioBlock(.float(base), frames: out.count / channels)
    } catch { throw AudioProcessingError(reason: error.description) }
  }
}
