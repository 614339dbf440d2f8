import ATKAudio
import Testing

/// The processing steps on their own, and the chain that runs them.
@Suite struct AudioChainTests {
  /// The integers a step gives for `input` (one channel, one block).
  func integers(_ step: some AudioProcessor, _ input: [Int32]) throws -> [Int32] {
    try input.withUnsafeBufferPointer { buffer in
      let out = try step.process(AudioBlock(.int32(buffer.baseAddress!), frames: buffer.count))
      guard case .int32(let samples) = out.samples else { return [] }
      return Array(UnsafeBufferPointer(start: samples, count: out.frames))
    }
  }

  /// The integers a step gives for float `input` (one channel, one block).
  func integers(_ step: some AudioProcessor, _ input: [Float]) throws -> [Int32] {
    try input.withUnsafeBufferPointer { buffer in
      let out = try step.process(AudioBlock(.float(buffer.baseAddress!), frames: buffer.count))
      guard case .int32(let samples) = out.samples else { return [] }
      return Array(UnsafeBufferPointer(start: samples, count: out.frames))
    }
  }

  @Test func roundingToFewerBits() throws {
    let samples: [Int32] = [0x7FFF_FFFF, -0x8000_0000, 0x0000_8000, 0x0000_7FFF, -0x8000, -0x8001]
    let step = BitReduceStep(bits: 16, channels: 1, maxFrames: samples.count)
    #expect(
      try integers(step, samples) == [0x7FFF_0000, -0x8000_0000, 0x0001_0000, 0, 0, -0x1_0000])
  }

  @Test func quantizingFloats() throws {
    let input: [Float] = [0, 1, -1, 0.5, -0.5, 2, -2, 1.0 / 32768, 0.75 / 32768]
    let sixteen = QuantizeStep(bits: 16, channels: 1, maxFrames: input.count)
    #expect(
      try integers(sixteen, input).map { $0 >> 16 }
        == [0, 32767, -32768, 16384, -16384, 32767, -32768, 1, 1])
    let full = try integers(QuantizeStep(bits: 32, channels: 1, maxFrames: input.count), input)
    #expect(full[1] == Int32.max && full[2] == Int32.min)
  }

  @Test func mixingStepWidensAndNarrows() throws {
    let stereo: [Float] = [0.25, 0.75, -1, -1]
    let step = MixStep(from: 2, to: 1, maxFrames: 2)
    let mono = try stereo.withUnsafeBufferPointer { buffer -> [Float] in
      let out = try step.process(
        AudioBlock(.float(buffer.baseAddress!), frames: 2))
      guard case .float(let samples) = out.samples else { return [] }
      return Array(UnsafeBufferPointer(start: samples, count: out.frames))
    }
    #expect(mono == [0.5, -1])
    withExtendedLifetime(step) {}
  }

  @Test func stepsRefuseTheWrongSampleType() {
    let ints: [Int32] = [1, 2]
    ints.withUnsafeBufferPointer { buffer in
      #expect(throws: AudioProcessingError.self) {
        try QuantizeStep(bits: 16, channels: 1, maxFrames: 2).process(
          AudioBlock(.int32(buffer.baseAddress!), frames: 2))
      }
    }
  }
}
