/// Up- and down-mixing of interleaved float frames, for `atk-convert --channels`.
///
/// - One channel to several: the channel is copied into each.
/// - Several to one: the average of all channels.
/// - More than two to two: the first two channels are left and right; every other channel is
///   added to both at half weight, and the sum is scaled so that full scale cannot clip.
public struct ChannelMixer: Sendable {
  /// Samples per input frame.
  public let inputChannels: Int
  /// Samples per output frame.
  public let outputChannels: Int

  /// A mixer from `inputChannels` to `outputChannels` (1 or 2 unless they are equal).
  public init(from inputChannels: Int, to outputChannels: Int) {
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
  }

  /// Whether the mixer changes anything.
  public var isIdentity: Bool { inputChannels == outputChannels }

  /// Mixes `frames` frames from `input` into `output` (room for `frames × outputChannels`).
  public func mix(
    _ input: UnsafePointer<Float>, frames: Int, into output: UnsafeMutablePointer<Float>
  ) {
    let inCount = inputChannels
    let outCount = outputChannels
    if inCount == outCount {
      output.update(from: input, count: frames * inCount)
    } else if inCount == 1 {
      for frame in 0..<frames {
        let value = input[frame]
        for channel in 0..<outCount { output[frame * outCount + channel] = value }
      }
    } else if outCount == 1 {
      let scale = 1 / Float(inCount)
      for frame in 0..<frames {
        var sum: Float = 0
        for channel in 0..<inCount { sum += input[frame * inCount + channel] }
        output[frame] = sum * scale
      }
    } else {
      // Several channels to stereo.
      let scale = 1 / (1 + Float(inCount - 2) / 2)
      for frame in 0..<frames {
        let base = input + frame * inCount
        var shared: Float = 0
        for channel in 2..<inCount { shared += base[channel] }
        shared *= 0.5
        output[frame * 2] = (base[0] + shared) * scale
        output[frame * 2 + 1] = (base[1] + shared) * scale
      }
    }
  }
}
