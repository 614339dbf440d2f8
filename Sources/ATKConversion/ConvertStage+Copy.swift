import ATKAudio
import ATKKit
import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

extension ConvertStage {
  // MARK: - Copying a matching input

  /// The frames a matching input decodes to, before it is copied byte for byte: a copy passes
  /// on whatever the file holds, so it is decoded to the end first (`AudioInput.reader()`) and
  /// a FLAC checked against its MD5 signature. PCM needs no decoding: every byte of its data is
  /// a sample, and opening it checked that the data is all there (the only `wav` that matches
  /// is PCM or float).
  ///
  /// - Throws: `.failed` with `corrupt` when a FLAC's samples do not match its signature;
  ///   `.cancelled` on a stop.
  func framesOfWholeInput(_ input: AudioInput) throws(Failure) -> Int64 {
    if input.container == "wav" { return input.file.frames }
    let decoder: SoundFile
    do { decoder = try input.reader() } catch { throw Failure(error) }
    let signature = input.container == "flac" ? FLACSignature.read(input.path) : nil
    let decoded = decoder.decodeToEnd(checking: signature) { Cancellation.isRequested }
    if Cancellation.isRequested { throw .cancelled }
    if decoded.signatureMatches == false {
      throw .failed(
        code: .corrupt,
        message: "corrupt: the decoded audio does not match the file's MD5 signature")
    }
    return decoded.frames
  }

  /// Copies `file` (holding `frames`, as `framesOfWholeInput` found) byte for byte to
  /// `finalPath` and returns the facts of the copy.
  func copy(
    _ file: SoundFile, from path: RawPath, to finalPath: RawPath, frames: Int64,
    context: StageContext
  ) throws(Failure) -> AudioFacts {
    let output: OutputFile
    do { output = try OutputFile(finalPath: finalPath, sync: options.sync) } catch {
      throw Failure(error)
    }
    let input = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
    guard input >= 0 else {
      let reason = String(cString: strerror(errno))
      output.abandon()
      throw .failed(code: .unreadable, message: "cannot open: \(reason)")
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
    let lossy = AudioFormat.integerBits(file.format) == nil && !options.format.isLossless
    return AudioFacts(
      format: AudioFormat.containerName(file.format),
      encoding: AudioFormat.encodingName(file.format), sampleRate: file.sampleRate,
      channels: file.channels, frames: frames, bytes: bytes,
      bitrate: lossy
        ? AudioFacts.averageBitrate(bytes: bytes, frames: frames, sampleRate: file.sampleRate)
        : nil)
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
          code: .cannotWrite,
          message: "cannot write '\(path.display)': \(String(cString: strerror(errno)))")
      }
      let n = read(input, buffer, 1 << 20)
      if n == 0 { return }
      if n < 0 {
        if errno == EINTR { continue }
        throw .failed(
          code: .readError, message: "cannot read: \(String(cString: strerror(errno)))")
      }
      let failure = Descriptor.writeAll(output, buffer, count: n)
      if failure != 0 {
        throw .failed(
          code: .cannotWrite,
          message: "cannot write '\(path.display)': \(String(cString: strerror(failure)))")
      }
    }
  }
}
