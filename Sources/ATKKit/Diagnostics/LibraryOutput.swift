import CStdio
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// What the C libraries print behind atk's back, caught and told as atk's own warnings.
///
/// libmpg123 (inside libsndfile) prints its complaints about damaged frames to the C library's
/// `stderr` stream, and libsndfile has a `printf` to `stdout`; neither offers a hook. `install`
/// replaces the C library's `stdout` and `stderr` streams (plain variables in glibc, which its
/// manual says may be assigned) with `fopencookie(3)` streams whose write function runs in the
/// thread that printed. A thread working on one file (`collecting`) keeps its lines, and the
/// driver turns them into one warning naming the file: exact with `--jobs`, since each worker
/// collects only what it printed itself. Lines printed outside `collecting` become warnings
/// without a file. atk's own diagnostics never go through these streams (`StandardStreams`
/// writes to the descriptors), and a library writing to descriptor 1 directly reaches
/// standard error, not the records (see `StandardStreams.takeOver`).
public enum LibraryOutput {
  /// What one file's processing made the libraries print.
  public struct Summary: Sendable, Equatable, CustomStringConvertible {
    /// The first line, without libmpg123's `[source:function():line] error:` prefix.
    public var first: String
    /// Which library said it: `decoder` for libmpg123, `library` otherwise.
    public var source: String
    /// How many more lines followed.
    public var more: Int

    /// `decoder: big_values too large! (5 more)`.
    public var description: String {
      "\(source): \(first)" + (more > 0 ? " (\(more) more)" : "")
    }
  }

  /// The lines one thread printed while `collecting`.
  private final class Collector {
    var partial: [UInt8] = []
    var first: [UInt8]?
    var lines = 0

    /// Adds printed bytes, counting whole lines; keeps at most 1 KiB of a line.
    func append(_ bytes: UnsafeRawBufferPointer) {
      for byte in bytes {
        if byte == 0x0A {
          finishLine()
        } else if partial.count < 1024 {
          partial.append(byte)
        }
      }
    }

    func finishLine() {
      defer { partial.removeAll(keepingCapacity: true) }
      guard partial.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
      if first == nil { first = partial }
      lines += 1
    }
  }

  /// The calling thread's collector, if it is collecting.
  private static let key: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
  }()

  private struct Unscoped {
    var tool = "atk"
    var partial: [UInt8] = []
    var installed = false
  }

  private static let unscoped = Mutex(Unscoped())

  /// Points the C library's `stdout` and `stderr` streams at atk (see the type's summary).
  /// Call once, before any thread is started; later calls do nothing.
  ///
  /// - Parameter tool: the name that starts warnings printed outside `collecting`.
  static func install(tool: String) {
    let first = unscoped.withLock { state -> Bool in
      defer { state.installed = true }
      state.tool = tool
      return !state.installed
    }
    guard first, let symbol = dlsym(nil, "fopencookie") else { return }
    _ = key
    let makeStream = unsafeBitCast(symbol, to: atk_fopencookie.self)
    let functions = atk_cookie_functions(
      read: nil,
      write: { _, buffer, size in
        if let buffer, size > 0 {
          LibraryOutput.received(UnsafeRawBufferPointer(start: buffer, count: size))
        }
        return size
      },
      seek: nil, close: nil)
    for name in ["stdout", "stderr"] {
      guard let variable = dlsym(nil, name), let stream = makeStream(nil, "w", functions) else {
        continue
      }
      setvbuf(stream, nil, _IONBF, 0)
      let slot = variable.assumingMemoryBound(to: UnsafeMutablePointer<FILE>?.self)
      fflush(slot.pointee)
      slot.pointee = stream
    }
  }

  /// Runs `body` with what the libraries print on this thread kept aside, and returns it.
  ///
  /// - Returns: `body`'s result, and a summary of the lines printed meanwhile (nil for none).
  public static func collecting<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> (
    result: R, printed: Summary?
  ) {
    let collector = Collector()
    let previous = pthread_getspecific(key)
    pthread_setspecific(key, Unmanaged.passUnretained(collector).toOpaque())
    defer { pthread_setspecific(key, previous) }
    let result = try body()
    collector.finishLine()
    guard let first = collector.first else { return (result, nil) }
    return (result, summary(of: first, lines: collector.lines))
  }

  /// What the Swift runtime prints (through `stderr`) just before it stops the process: such
  /// a message goes straight to standard error, never into a collector that dies with it.
  private static let runtimeMarkers = ["Fatal error", "Precondition failed", "Assertion failed"]

  /// Bytes printed on some thread: kept by its collector, or told at once as a warning.
  private static func received(_ bytes: UnsafeRawBufferPointer) {
    let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
    if runtimeMarkers.contains(where: { text.contains($0) }) {
      StandardStreams.writeError(String(decoding: bytes, as: UTF8.self))
      return
    }
    if let current = pthread_getspecific(key) {
      Unmanaged<Collector>.fromOpaque(current).takeUnretainedValue().append(bytes)
      return
    }
    var warnings = ""
    unscoped.withLock { state in
      for byte in bytes {
        if byte == 0x0A {
          if !state.partial.isEmpty {
            warnings += "\(state.tool): warning: \(summary(of: state.partial, lines: 1))\n"
          }
          state.partial.removeAll()
        } else if state.partial.count < 1024 {
          state.partial.append(byte)
        }
      }
    }
    if !warnings.isEmpty { StandardStreams.writeError(warnings) }
  }

  /// The summary of `lines` lines starting with `first`: libmpg123's source location and
  /// severity are dropped (`[src/libmpg123/layer3.c:III_get_side_info():202] error: x` → `x`).
  static func summary(of first: [UInt8], lines: Int) -> Summary {
    var text = String(decoding: first, as: UTF8.self).trimmingSpaces
    var source = "library"
    if text.hasPrefix("["), let end = text.firstIndex(of: "]") {
      if text[..<end].contains("mpg123") { source = "decoder" }
      text = String(text[text.index(after: end)...]).trimmingSpaces
    }
    for severity in ["error:", "warning:", "note:", "Note:", "Warning:", "Error:"]
    where text.hasPrefix(severity) {
      text = String(text.dropFirst(severity.count)).trimmingSpaces
      // libmpg123's notes about lost sync carry no location: "Note: Illegal Audio-MPEG-Header".
      if severity == "Note:" { source = "decoder" }
      break
    }
    return Summary(first: String(text.prefix(300)), source: source, more: max(0, lines - 1))
  }
}

extension String {
  fileprivate var trimmingSpaces: String {
    let scalars = unicodeScalars
    guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" }),
      let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" })
    else { return "" }
    return String(scalars[start...end])
  }
}
