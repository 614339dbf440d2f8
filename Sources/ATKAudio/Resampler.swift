import CSoxr

/// Sample-rate conversion through libsoxr at its high quality (`SOXR_HQ`), streaming.
///
/// Feed interleaved float blocks with `process`, then call `flush` until it returns no frames.
/// The output of a whole stream holds `round(inputFrames × outputRate / inputRate)` frames.
/// Output goes to one buffer owned by the resampler, valid until the next call.
public final class Resampler {
  /// Frames per second in and out.
  public let inputRate: Int
  public let outputRate: Int
  /// Samples per frame.
  public let channels: Int
  private let handle: soxr_t
  private var output: UnsafeMutablePointer<Float>
  private let outputCapacity: Int
  private let maxInputFrames: Int

  /// The most frames one call of `process` or `flush` returns.
  public var maxOutputFrames: Int { outputCapacity }

  /// A resampler from `inputRate` to `outputRate` for blocks of at most `maxInputFrames`.
  ///
  /// Calls `soxr_create` with `SOXR_FLOAT32_I` in and out and `SOXR_HQ`.
  /// - Throws: `ResamplerError` with libsoxr's reason when it refuses the rates.
  public init(from inputRate: Int, to outputRate: Int, channels: Int, maxInputFrames: Int)
    throws(ResamplerError)
  {
    self.inputRate = inputRate
    self.outputRate = outputRate
    self.channels = channels
    self.maxInputFrames = maxInputFrames
    var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
    var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
    var error: soxr_error_t?
    guard
      let handle = soxr_create(
        Double(inputRate), Double(outputRate), UInt32(channels), &error, &io, &quality, nil),
      error == nil
    else {
      throw ResamplerError(reason: error.map { String(cString: $0) } ?? "soxr_create failed")
    }
    self.handle = handle
    // libsoxr never holds back input when the output has room for all of it plus its latency.
    let frames = Int((Double(maxInputFrames) * Double(outputRate) / Double(inputRate)).rounded(.up))
    outputCapacity = frames + 256
    output = .allocate(capacity: outputCapacity * channels)
  }

  deinit {
    soxr_delete(handle)
    output.deallocate()
  }

  /// Resamples `frames` interleaved frames (`soxr_process`); at most `maxInputFrames`.
  ///
  /// - Returns: the output frames available now, in a buffer valid until the next call.
  /// - Throws: `ResamplerError` when libsoxr reports an error.
  public func process(_ input: UnsafePointer<Float>, frames: Int) throws(ResamplerError)
    -> UnsafeBufferPointer<Float>
  {
    precondition(frames <= maxInputFrames, "block larger than the resampler was made for")
    var consumed = 0
    var produced = 0
    while consumed < frames {
      var used = 0
      var done = 0
      let error = soxr_process(
        handle, input + consumed * channels, frames - consumed, &used,
        output + produced * channels, outputCapacity - produced, &done)
      if let error { throw ResamplerError(reason: String(cString: error)) }
      consumed += used
      produced += done
      if used == 0 && done == 0 || produced == outputCapacity { break }
    }
    if consumed < frames { throw ResamplerError(reason: "output buffer too small") }
    return UnsafeBufferPointer(start: output, count: produced * channels)
  }

  /// Drains the frames libsoxr still holds (`soxr_process` with no input); call until empty.
  public func flush() throws(ResamplerError) -> UnsafeBufferPointer<Float> {
    var done = 0
    let error = soxr_process(handle, nil, 0, nil, output, outputCapacity, &done)
    if let error { throw ResamplerError(reason: String(cString: error)) }
    return UnsafeBufferPointer(start: output, count: done * channels)
  }
}

/// Why libsoxr could not resample.
public struct ResamplerError: Error, Sendable, CustomStringConvertible {
  public var reason: String
  public init(reason: String) { self.reason = reason }
  public var description: String { "cannot resample: \(reason)" }
}
