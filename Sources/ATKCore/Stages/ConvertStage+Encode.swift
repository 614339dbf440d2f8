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
    let block = Self.blockFrames
    let sameShape = settings.sampleRate == source.sampleRate && settings.channels == source.channels
    let targetBits = settings.sampleEncoding.flatMap { $0 == .float ? nil : $0.bits }
    var total: Int64 = 0

    if let sourceBits = source.bits, sourceBits <= 16, sameShape, sink.prefersIntegers {
      // 8- and 16-bit PCM as 16-bit integers: exact, and the cheapest path through libsndfile
      // and LAME.
      let samples = UnsafeMutablePointer<Int16>.allocate(capacity: block * source.channels)
      defer { samples.deallocate() }
      while true {
        try Self.checkCancellation(context)
        let n = file.read(into: samples, frames: block)
        if n <= 0 { break }
        do { try sink.write(samples, frames: n) } catch { throw Failure(error) }
        total += Int64(n)
      }
      return total
    }
    if let sourceBits = source.bits, sameShape, sink.prefersIntegers {
      // Integer PCM straight through: bit-exact unless the output has fewer bits.
      let samples = UnsafeMutablePointer<Int32>.allocate(capacity: block * source.channels)
      defer { samples.deallocate() }
      let reduceTo = targetBits.flatMap { $0 < sourceBits ? $0 : nil }
      while true {
        try Self.checkCancellation(context)
        let n = file.read(into: samples, frames: block)
        if n <= 0 { break }
        if let bits = reduceTo { Self.round(samples, count: n * source.channels, toBits: bits) }
        do { try sink.write(samples, frames: n) } catch { throw Failure(error) }
        total += Int64(n)
      }
      return total
    }

    // Floats: mix down, resample, mix up.
    let mixFirst = settings.channels < source.channels
    let resampleChannels = mixFirst ? settings.channels : source.channels
    let downMix = ChannelMixer(
      from: source.channels, to: mixFirst ? settings.channels : source.channels)
    let upMix = ChannelMixer(from: resampleChannels, to: settings.channels)
    let resampler: Resampler?
    if settings.sampleRate != source.sampleRate {
      do {
        resampler = try Resampler(
          from: source.sampleRate, to: settings.sampleRate, channels: resampleChannels,
          maxInputFrames: block)
      } catch { throw Failure(error) }
    } else {
      resampler = nil
    }
    let input = UnsafeMutablePointer<Float>.allocate(capacity: block * source.channels)
    defer { input.deallocate() }
    let mixed = UnsafeMutablePointer<Float>.allocate(capacity: block * resampleChannels)
    defer { mixed.deallocate() }
    let outCapacity =
      (resampler.map { Int((Double(block) * Double($0.outputRate) / Double($0.inputRate))) + 512 }
        ?? block)
    let widened = UnsafeMutablePointer<Float>.allocate(capacity: outCapacity * settings.channels)
    defer { widened.deallocate() }
    let integers = UnsafeMutablePointer<Int32>.allocate(
      capacity: targetBits == nil ? 1 : outCapacity * settings.channels)
    defer { integers.deallocate() }

    func deliver(_ samples: UnsafePointer<Float>, frames: Int) throws(Failure) {
      guard frames > 0 else { return }
      var data = samples
      if !upMix.isIdentity {
        upMix.mix(samples, frames: frames, into: widened)
        data = UnsafePointer(widened)
      }
      do {
        if let bits = targetBits {
          Self.quantize(data, count: frames * settings.channels, bits: bits, into: integers)
          try sink.write(integers, frames: frames)
        } else {
          try sink.write(data, frames: frames)
        }
      } catch { throw Failure(error) }
    }

    while true {
      try Self.checkCancellation(context)
      let n = file.read(into: input, frames: block)
      if n <= 0 { break }
      total += Int64(n)
      var data = UnsafePointer(input)
      if !downMix.isIdentity {
        downMix.mix(input, frames: n, into: mixed)
        data = UnsafePointer(mixed)
      }
      if let resampler {
        let out: UnsafeBufferPointer<Float>
        do { out = try resampler.process(data, frames: n) } catch { throw Failure(error) }
        try deliver(out.baseAddress!, frames: out.count / resampleChannels)
      } else {
        try deliver(data, frames: n)
      }
    }
    if let resampler {
      while true {
        let out: UnsafeBufferPointer<Float>
        do { out = try resampler.flush() } catch { throw Failure(error) }
        if out.isEmpty { break }
        try deliver(out.baseAddress!, frames: out.count / resampleChannels)
      }
    }
    return total
  }

  /// Throws `.cancelled` once a stop was asked for (`StageContext.checkCancellation`).
  static func checkCancellation(_ context: StageContext) throws(Failure) {
    do { try context.checkCancellation() } catch { throw .cancelled }
  }

  /// Rounds full-scale integers to the nearest value that `bits` bits hold, halves up
  /// (saturating).
  static func round(_ samples: UnsafeMutablePointer<Int32>, count: Int, toBits bits: Int) {
    let shift = Int64(32 - bits)
    let half = Int64(1) << (shift - 1)
    let top = (Int64(Int32.max) >> shift) << shift
    for i in 0..<count {
      let value = ((Int64(samples[i]) + half) >> shift) << shift
      samples[i] = Int32(min(value, top))
    }
  }

  /// Floats in [-1, 1] to full-scale integers rounded to `bits` bits (halves up, as `round`
  /// does; saturating, no dither),
  /// so 16- and 24-bit PCM that went through floats comes back exactly.
  static func quantize(
    _ samples: UnsafePointer<Float>, count: Int, bits: Int, into out: UnsafeMutablePointer<Int32>
  ) {
    let scale = Double(Int64(1) << (bits - 1))
    let low = -scale
    let high = scale - 1
    let shift = Int32(32 - bits)
    for i in 0..<count {
      let value = min(max((Double(samples[i]) * scale + 0.5).rounded(.down), low), high)
      out[i] = Int32(value) << shift
    }
  }
}
