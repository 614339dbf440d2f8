import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

extension ConvertStage {
  // MARK: - Copying a matching input

  func copy(
    _ file: SoundFile, from path: RawPath, to finalPath: RawPath, context: StageContext
  ) throws(Failure) -> AudioFacts {
    let output: OutputFile
    do { output = try OutputFile(finalPath: finalPath, sync: options.sync) } catch {
      throw Failure(error)
    }
    let input = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
    guard input >= 0 else {
      let reason = String(cString: strerror(errno))
      output.abandon()
      throw .failed(code: "unreadable", message: "cannot open: \(reason)")
    }
    defer { close(input) }
    do {
      try Self.copyBytes(from: input, to: output.descriptor, path: finalPath)
    } catch {
      output.abandon()
      throw error
    }
    do { try output.commit() } catch { throw Failure(error) }
    var status = stat()
    let bytes = fstat(input, &status) == 0 ? Int64(status.st_size) : 0
    var frames = file.frames
    if AudioFormat.containerName(file.format) == "mp3"
      && MP3Header.inspect(path)?.hasLengthTag != true
    {
      // Without a Xing tag libsndfile only estimates the length: count the frames instead.
      if let counted = MP3Header.countSamples(path) {
        frames = counted
      } else {
        frames = try Self.countFrames(path, channels: file.channels)
      }
    }
    let lossy = AudioFormat.integerBits(file.format) == nil && !options.format.isLossless
    return AudioFacts(
      format: AudioFormat.containerName(file.format),
      encoding: AudioFormat.encodingName(file.format), sampleRate: file.sampleRate,
      channels: file.channels, frames: frames, bytes: bytes,
      bitrate: lossy
        ? AudioFacts.averageBitrate(bytes: bytes, frames: frames, sampleRate: file.sampleRate)
        : nil)
  }

  /// The frames an MP3 decodes to, read through a stream to the end.
  static func countFrames(_ path: RawPath, channels: Int) throws(Failure) -> Int64 {
    let file: SoundFile
    do { file = try SoundFile.open(streaming: path) } catch { throw Failure(error) }
    let buffer = UnsafeMutablePointer<Int16>.allocate(capacity: blockFrames * max(1, channels))
    defer { buffer.deallocate() }
    var total: Int64 = 0
    while true {
      if Cancellation.isRequested { throw .cancelled }
      let n = file.read(into: buffer, frames: blockFrames)
      if n <= 0 { return total }
      total += Int64(n)
    }
  }

  /// Copies a whole file between descriptors: `sendfile(2)` in 8 MiB steps, or read/write
  /// where the file system cannot, checking for a stop between steps.
  static func copyBytes(from input: Int32, to output: Int32, path: RawPath) throws(Failure) {
    var useSendfile = true
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      if Cancellation.isRequested { throw .cancelled }
      if useSendfile {
        let n = sendfile(output, input, nil, 8 << 20)
        if n > 0 { continue }
        if n == 0 { return }
        if errno == EINTR { continue }
        if errno == EINVAL || errno == ENOSYS {
          useSendfile = false
          continue
        }
        throw .failed(
          code: "cannot_write",
          message: "cannot write '\(path.display)': \(String(cString: strerror(errno)))")
      }
      let n = read(input, buffer, 1 << 20)
      if n == 0 { return }
      if n < 0 {
        if errno == EINTR { continue }
        throw .failed(
          code: "read_error", message: "cannot read: \(String(cString: strerror(errno)))")
      }
      let failure = Descriptor.writeAll(output, buffer, count: n)
      if failure != 0 {
        throw .failed(
          code: "cannot_write",
          message: "cannot write '\(path.display)': \(String(cString: strerror(failure)))")
      }
    }
  }
}
