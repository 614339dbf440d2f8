import ATKRecords
import Foundation

/// What a tool run produced.
public struct ToolResult: Sendable {
  public var status: Int32
  public var stdout: [UInt8]
  public var stderr: String

  /// Standard output as text.
  public var output: String { String(decoding: stdout, as: UTF8.self) }

  /// Standard output parsed as records (lines that do not parse are skipped).
  public var records: [Record] {
    stdout.split(separator: 0x0A).compactMap { try? Record(line: Array($0)) }
  }
}

/// The folder holding the built executables: next to the test bundle.
public let toolDirectory: String = {
  if let dir = ProcessInfo.processInfo.environment["ATK_BIN"] { return dir }
  var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  while url.path != "/" {
    if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("atk-scan").path) {
      return url.path
    }
    url.deleteLastPathComponent()
  }
  // swift test runs from the package root; fall back to the usual build folder.
  return FileManager.default.currentDirectoryPath + "/.build/debug"
}()

/// The repository root (for scripts/ and man/).
public let repositoryRoot: String = {
  var url = URL(fileURLWithPath: #filePath)
  for _ in 0..<3 { url.deleteLastPathComponent() }
  return url.path
}()

/// Runs a built tool (or any executable path) with `arguments`, feeding `stdin`.
///
/// Standard input, output and error go through temporary files, not pipes, so a chatty child
/// can never block on a full pipe while the test waits for it. A child still running after
/// `timeout` seconds is killed (SIGKILL), and its stderr ends with a line saying so, so a hang
/// fails one test instead of stalling the whole suite.
public func runTool(
  _ name: String, _ arguments: [String], stdin: String = "", stdinBytes: [UInt8]? = nil,
  cwd: String? = nil, environment: [String: String] = [:], stdoutPath: String? = nil,
  timeout: Double = 600
) throws -> ToolResult {
  let scratch = try TemporaryDirectory()
  let inURL = URL(fileURLWithPath: scratch.path + "/stdin")
  let outURL = URL(fileURLWithPath: stdoutPath ?? scratch.path + "/stdout")
  let errURL = URL(fileURLWithPath: scratch.path + "/stderr")
  try Data(stdinBytes ?? Array(stdin.utf8)).write(to: inURL)
  if stdoutPath == nil { _ = FileManager.default.createFile(atPath: outURL.path, contents: nil) }
  _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
  let process = Process()
  process.executableURL = URL(
    fileURLWithPath: name.contains("/") ? name : toolDirectory + "/" + name)
  process.arguments = arguments
  if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
  var env = ProcessInfo.processInfo.environment
  env["PATH"] = toolDirectory + ":" + (env["PATH"] ?? "/usr/bin:/bin")
  for (key, value) in environment { env[key] = value }
  process.environment = env
  process.standardInput = try FileHandle(forReadingFrom: inURL)
  process.standardOutput = try FileHandle(forWritingTo: outURL)
  process.standardError = try FileHandle(forWritingTo: errURL)
  let exited = DispatchSemaphore(value: 0)
  process.terminationHandler = { _ in exited.signal() }
  // The child inherits this thread's signal mask, and test threads block most signals
  // (swift-corelibs-foundation#4772): clear it while starting the child, so tools and shell
  // scripts see SIGINT, SIGTERM and SIGCHLD as they would under a shell (dash's `wait`
  // hangs with SIGCHLD blocked).
  var empty = sigset_t()
  var saved = sigset_t()
  sigemptyset(&empty)
  pthread_sigmask(SIG_SETMASK, &empty, &saved)
  defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
  try process.run()
  var timedOut = false
  if exited.wait(timeout: .now() + timeout) == .timedOut {
    // SIGKILL: the child may have SIGTERM blocked (swift-corelibs-foundation#4772).
    kill(process.processIdentifier, SIGKILL)
    timedOut = true
  }
  process.waitUntilExit()
  let out = stdoutPath == nil ? [UInt8](try Data(contentsOf: outURL)) : []
  var err = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
  if timedOut { err += "runTool: '\(name)' was still running after \(timeout) s and was killed\n" }
  return ToolResult(status: process.terminationStatus, stdout: out, stderr: err)
}

/// Runs a shell command line (`/bin/sh -c`) with the tools on PATH.
public func runShell(
  _ command: String, cwd: String? = nil, environment: [String: String] = [:],
  timeout: Double = 600
) throws -> ToolResult {
  try runTool("/bin/sh", ["-c", command], cwd: cwd, environment: environment, timeout: timeout)
}

/// A fresh folder under the system's temporary folder, removed when released.
public final class TemporaryDirectory: @unchecked Sendable {
  public let path: String

  public init() throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
      "atk-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    path = base.path
  }

  /// `path/name`.
  public func file(_ name: String) -> String { path + "/" + name }

  deinit {
    _ = try? FileManager.default.removeItem(atPath: path)
  }
}
