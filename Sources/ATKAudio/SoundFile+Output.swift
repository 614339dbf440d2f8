import ATKKit
import CSndFile

#if canImport(Glibc)
  import Glibc
#endif

/// The descriptor behind a file libsndfile writes, reached through its virtual I/O
/// (`sf_open_virtual`) so that the `errno` of a failed write is kept.
///
/// Writing to a descriptor of its own, libsndfile reports a full disk as whatever its codec
/// makes of the short write ("Unspecified internal error.", "problem with initialization of the
/// flac decoder", or an error number it has no text for); here the first failing `write(2)`
/// is remembered and `SoundFile` reports it as the system says it ("No space left on device").
final class SoundFileOutput {
  /// The output's descriptor; the caller's, never closed here.
  let descriptor: Int32
  /// The `errno` of the first failed write or seek, or 0.
  private(set) var failure: Int32 = 0

  init(descriptor: Int32) { self.descriptor = descriptor }

  /// The callbacks libsndfile calls with a `SoundFileOutput` as its user data.
  static let functions = SF_VIRTUAL_IO(
    get_filelen: { user in
      var status = stat()
      return fstat(output(user).descriptor, &status) == 0 ? sf_count_t(status.st_size) : -1
    },
    seek: { offset, whence, user in
      let position = lseek(output(user).descriptor, off_t(offset), whence)
      if position < 0 { output(user).fail(errno) }
      return sf_count_t(position)
    },
    read: { buffer, count, user in
      guard let buffer, count > 0 else { return 0 }
      return sf_count_t(Descriptor.readFully(output(user).descriptor, buffer, count: Int(count)))
    },
    write: { buffer, count, user in
      guard let buffer, count > 0 else { return 0 }
      let failure = Descriptor.writeAll(output(user).descriptor, buffer, count: Int(count))
      if failure != 0 {
        output(user).fail(failure)
        return 0
      }
      return count
    },
    tell: { user in sf_count_t(lseek(output(user).descriptor, 0, SEEK_CUR)) })

  private static func output(_ user: UnsafeMutableRawPointer?) -> SoundFileOutput {
    Unmanaged<SoundFileOutput>.fromOpaque(user!).takeUnretainedValue()
  }

  private func fail(_ code: Int32) {
    if failure == 0 { failure = code }
  }

  /// Why the writes failed, as the system says it; nil when none failed.
  var failureReason: String? { failure == 0 ? nil : String(cString: strerror(failure)) }
}
