#if canImport(Glibc)
  import Glibc
#endif

/// Whole reads and writes on a file descriptor: `read(2)`, `write(2)` and their positional
/// twins may stop short or be interrupted by a signal, so every caller needs the same loop.
public enum Descriptor {
  /// Writes all `count` bytes (`pwrite(2)` at `offset` when given, else `write(2)`), retrying
  /// after `EINTR` and short writes.
  ///
  /// - Returns: 0 on success, else the `errno` that stopped it (`ENOSPC` for a write of 0).
  public static func writeAll(
    _ fd: Int32, _ bytes: UnsafeRawPointer, count: Int, at offset: Int64? = nil
  ) -> Int32 {
    var done = 0
    while done < count {
      let n =
        offset.map { pwrite(fd, bytes + done, count - done, off_t($0) + off_t(done)) }
        ?? write(fd, bytes + done, count - done)
      if n > 0 {
        done += n
      } else if n < 0 && errno == EINTR {
        continue
      } else {
        return n < 0 ? errno : ENOSPC
      }
    }
    return 0
  }

  /// Reads up to `count` bytes (`pread(2)` at `offset` when given, else `read(2)`), retrying
  /// after `EINTR` and short reads; returns how many were read (fewer at the end of the file or
  /// on an error).
  public static func readFully(
    _ fd: Int32, _ buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64? = nil
  ) -> Int {
    var done = 0
    while done < count {
      let n =
        offset.map { pread(fd, buffer + done, count - done, off_t($0) + off_t(done)) }
        ?? read(fd, buffer + done, count - done)
      if n > 0 {
        done += n
      } else if n < 0 && errno == EINTR {
        continue
      } else {
        break
      }
    }
    return done
  }
}
