extension SoundFile {
  /// What decoding a file to its end found.
  package struct Decoded {
    /// The frames decoded.
    package var frames: Int64
    /// Whether the samples match the FLAC MD5 signature; nil when none was checked.
    package var signatureMatches: Bool?
  }

  /// Decodes from the current position to the end (`sf_readf_int`, 8192 frames at a time):
  /// counts the frames and, given a FLAC `signature`, checks the samples against it.
  ///
  /// - Parameter shouldStop: asked between blocks; once it says yes, decoding ends there as if
  ///   at the end of the file, and the caller, who asked for the stop, discards the result.
  package func decodeToEnd(
    checking signature: FLACSignature? = nil, shouldStop: () -> Bool = { false }
  )
    -> Decoded
  {
    let block = 8192
    let buffer = UnsafeMutablePointer<Int32>.allocate(capacity: block * max(1, channels))
    defer { buffer.deallocate() }
    var signature = signature
    var total: Int64 = 0
    while true {
      if shouldStop() { break }
      let n = read(into: buffer, frames: block)
      if n <= 0 { break }
      signature?.add(buffer, count: n * channels)
      total += Int64(n)
    }
    return Decoded(frames: total, signatureMatches: signature?.matches())
  }
}
