#if canImport(Glibc)
  import Glibc
#endif

/// Locks that mark the sessions being written, so that `clean` leaves them alone.
///
/// A tee holds a shared lock on one byte of the database file per session it writes, at
/// 2^62 + the session's id: far past anything SQLite locks or stores. The lock lasts as long as
/// the process, however it ends (`kill -9` included), so no mark ever goes stale, and a
/// process that only reads the journal sees it with `F_OFD_GETLK`.
///
/// They are open file description locks (`F_OFD_SETLK`), not classic POSIX ones: closing any
/// descriptor of a file drops all of a process's POSIX locks on it, SQLite's included. For the
/// same reason the descriptor is closed only after SQLite's connection (`close()`, `deinit`).
extension Journal {
  /// The byte locked for session 0.
  static let sessionLockBase = 1 << 62
  /// `F_OFD_GETLK` and `F_OFD_SETLK` from <fcntl.h> (Linux 3.15 and later).
  private static let getLock: Int32 = 36
  private static let setLock: Int32 = 37

  /// Marks `session` as being written by this process, until the journal is closed or the
  /// process ends (`fcntl(F_OFD_SETLK)`, a shared lock: several tees may write one session).
  ///
  /// - Returns: the reason when the mark cannot be made (a file system without locks), else nil.
  public func holdSessionLock(_ session: Int64) -> String? {
    guard let fd = lockFile() else { return String(cString: strerror(errno)) }
    var lock = Self.lockRange(session, type: F_RDLCK)
    return fcntl(fd, Self.setLock, &lock) == 0 ? nil : String(cString: strerror(errno))
  }

  /// Whether another process is writing `session` (`fcntl(F_OFD_GETLK)`); false when that
  /// cannot be known.
  public func isBeingWritten(_ session: Int64) -> Bool {
    guard let fd = lockFile() else { return false }
    var lock = Self.lockRange(session, type: F_WRLCK)
    guard fcntl(fd, Self.getLock, &lock) == 0 else { return false }
    return Int32(lock.l_type) != F_UNLCK
  }

  /// Closes the lock descriptor, dropping this process's session locks.
  func releaseSessionLocks() {
    if lockDescriptor >= 0 { Glibc.close(lockDescriptor) }
    lockDescriptor = -1
  }

  private func lockFile() -> Int32? {
    if lockDescriptor < 0 { lockDescriptor = open(path, O_RDONLY | O_CLOEXEC) }
    return lockDescriptor >= 0 ? lockDescriptor : nil
  }

  private static func lockRange(_ session: Int64, type: Int32) -> flock {
    var lock = flock()
    lock.l_type = Int16(type)
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = off_t(sessionLockBase) + off_t(max(0, session))
    lock.l_len = 1
    lock.l_pid = 0
    return lock
  }
}
