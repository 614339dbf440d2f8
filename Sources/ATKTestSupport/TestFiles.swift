import ATKRecords
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Small helpers to build file trees with exact byte names (names need not be UTF-8).
public enum TestFiles {
  /// Writes `bytes` to `path` (created or replaced), whatever bytes the path holds.
  public static func write(_ path: RawPath, _ bytes: [UInt8]) throws {
    let fd = path.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
    guard fd >= 0 else { throw SystemFailure(call: "open \(path.display)", code: errno) }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
      guard n > 0 else { throw SystemFailure(call: "write \(path.display)", code: errno) }
      offset += n
    }
  }

  /// A short 8 kHz 16-bit WAV at `path`.
  public static func wav(_ path: RawPath, frames: Int = 800, channels: Int = 1, rate: Int = 8000)
    throws
  {
    try write(path, TestAudio.wav(frames: frames, sampleRate: rate, channels: channels))
  }

  /// Creates a folder.
  public static func folder(_ path: RawPath) throws {
    guard path.withCString({ mkdir($0, 0o755) }) == 0 else {
      throw SystemFailure(call: "mkdir \(path.display)", code: errno)
    }
  }

  /// Creates a symbolic link at `path` pointing to `target`.
  public static func link(_ path: RawPath, to target: String) throws {
    guard path.withCString({ p in symlink(target, p) }) == 0 else {
      throw SystemFailure(call: "symlink \(path.display)", code: errno)
    }
  }

  /// Reads a whole file.
  public static func read(_ path: RawPath) -> [UInt8]? {
    let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { return out }
      out += chunk[..<n]
    }
  }

  /// Whether something (even a dangling link) is at `path`.
  public static func exists(_ path: RawPath) -> Bool {
    var info = stat()
    return path.withCString { lstat($0, &info) } == 0
  }

  /// The names in a folder, sorted, `.` and `..` left out.
  public static func names(in folder: RawPath) -> [String] {
    (try? FileManager.default.contentsOfDirectory(
      atPath: String(decoding: folder.bytes, as: UTF8.self)))?
      .sorted() ?? []
  }

  /// Whether the tests run as root, where permission bits do not stop reads.
  public static var isRoot: Bool { getuid() == 0 }

  /// Bytes that look like an MP4/M4A file to anyone reading the header.
  public static let fakeM4A: [UInt8] =
    [0, 0, 0, 0x1C] + Array("ftypM4A ".utf8) + [UInt8](repeating: 0x5A, count: 300)
}

/// A failed system call while making a fixture.
public struct SystemFailure: Error, CustomStringConvertible {
  public var call: String
  public var code: Int32
  public var description: String { "\(call): \(String(cString: strerror(code)))" }
}

extension TemporaryDirectory {
  /// The folder as a raw path.
  public var raw: RawPath { RawPath(path) }
}

/// Every file below `folder`, relative to it and sorted, hidden temporary files included; not
/// the `.atk-output` markers atk-convert and atk-split leave in their output folders (check
/// those by name).
public func files(below folder: String) -> [String] {
  let enumerator = FileManager.default.enumerator(atPath: folder)
  var out: [String] = []
  while let name = enumerator?.nextObject() as? String {
    if name == ".atk-output" || name.hasSuffix("/.atk-output") { continue }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDirectory),
      !isDirectory.boolValue
    {
      out.append(name)
    }
  }
  return out.sorted()
}
