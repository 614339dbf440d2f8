#if canImport(Glibc)
  import Glibc
#endif
import ATKCore
import ATKRecords

/// The command line's own bytes, for file names that are not UTF-8.
///
/// Swift decodes `CommandLine.arguments` as UTF-8, replacing invalid bytes, so a parsed path
/// may no longer name its file. This maps each parsed argument back to the raw `argv` entry it
/// came from (in order), keeping the exact bytes.
public enum RawArguments {
  /// The raw paths behind `parsed`, in the same order.
  public static func paths(for parsed: [String]) -> [RawPath] {
    var raw: [[UInt8]] = []
    for i in 1..<Int(CommandLine.argc) {
      guard let pointer = CommandLine.unsafeArgv[i] else { continue }
      raw.append(Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map {
        UInt8(bitPattern: $0)
      })
    }
    var next = 0
    return parsed.map { argument in
      var i = next
      while i < raw.count {
        if String(decoding: raw[i], as: UTF8.self) == argument {
          next = i + 1
          return RawPath(bytes: raw[i])
        }
        i += 1
      }
      return RawPath(argument)
    }
  }
}

/// The number of cores, the default for `--jobs`.
public var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
