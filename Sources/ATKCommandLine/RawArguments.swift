import ATKKit
import ATKRecords
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The command line's own bytes, for file names that are not UTF-8.
///
/// Swift decodes `CommandLine.arguments` as UTF-8, replacing invalid bytes, so a parsed path
/// may no longer name its file. This maps each parsed argument back to the raw argument it
/// came from (in order), keeping the exact bytes: the arguments as the parser read them, after
/// `ArgumentNormaliser` (so the value of `-oPATH` or `--output=PATH` is found too).
public enum RawArguments {
  private static let normalised = Mutex<[[UInt8]]?>(nil)

  /// The program's arguments, without its name, as `argv` holds them.
  public static var commandLine: [[UInt8]] {
    (1..<Int(CommandLine.argc)).compactMap { i in
      CommandLine.unsafeArgv[i].map { pointer in
        Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map {
          UInt8(bitPattern: $0)
        }
      }
    }
  }

  /// Records the arguments as the parser reads them (after normalising `commandLine`).
  static func use(_ arguments: [[UInt8]]) {
    normalised.withLock { $0 = arguments }
  }

  /// The raw paths behind `parsed`, in the same order.
  public static func paths(for parsed: [String]) -> [RawPath] {
    let raw = normalised.withLock { $0 } ?? commandLine
    var next = 0
    return parsed.map { argument in
      var i = next
      while i < raw.count {
        for candidate in candidates(raw[i])
        where String(decoding: candidate, as: UTF8.self) == argument {
          next = i + 1
          return RawPath(bytes: Array(candidate))
        }
        i += 1
      }
      return RawPath(argument)
    }
  }

  /// What an argument may stand for: itself, and for `--name=value` its value.
  private static func candidates(_ argument: [UInt8]) -> [ArraySlice<UInt8>] {
    guard argument.starts(with: [0x2D, 0x2D]), let equals = argument.firstIndex(of: 0x3D) else {
      return [argument[...]]
    }
    return [argument[...], argument[(equals + 1)...]]
  }
}

/// The number of cores, the default for `--jobs` in atk-convert and atk-split.
public var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
