import ATKRecords
import ATKTestSupport
import Foundation
import Synchronization
import Testing

@testable import ATKKit

#if canImport(Glibc)
  import Glibc
#endif

/// The output-path service every writing tool shares: names, claims in input order, and what
/// an output may replace.
@Suite struct OutputPathsTests {
  let dir: TemporaryDirectory
  init() throws { dir = try TemporaryDirectory() }

  func record(_ path: String, _ relpath: String? = nil) -> Record {
    var record = Record(path: RawPath(path))
    record.relpath = relpath.map(RawPath.init)
    return record
  }

  func context(_ sequence: Int?) -> StageContext {
    StageContext(
      line: nil, diagnostics: Diagnostics(tool: "atk-test", quiet: true), sequence: sequence)
  }

  func code(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      return (error as? OutputError)?.code.rawValue ?? "\(error)"
    }
  }

  @Test func relpathsAreCleanedOrRefused() {
    func clean(_ relpath: String?, path: String = "/raw/x.wav") -> String? {
      (try? OutputPaths.relativePath(of: record(path, relpath), path: RawPath(path)))?.display
    }
    #expect(clean("talk/intro.wav") == "talk/intro.wav")
    #expect(clean("./x//a.wav/") == "x/a.wav")
    #expect(clean("/abs/a.wav") == "abs/a.wav")
    #expect(clean(nil) == "x.wav")
    for bad in ["..", "a/..", "../x.wav", "a/../b.wav", ".", "", "/", "x\u{0}a.wav"] {
      #expect(clean(bad) == nil, "\(bad)")
    }
    #expect(clean(nil, path: "/raw/..") == nil)
  }

  @Test func aLaterInputWaitsForTheEarlierOneAndCollidesOnlyIfItWrote() throws {
    for wrote in [true, false] {
      let paths = OutputPaths(root: dir.raw.appending("o\(wrote)"))
      try paths.admit(record("/x/a.wav", "a.wav"), at: 0)
      try paths.admit(record("/x/a.flac", "a.flac"), at: 1)
      let later = Mutex<String?>("waiting")
      let done = DispatchSemaphore(value: 0)
      let context = self.context(1)
      Thread.detachNewThread {
        let result: String?
        do throws(OutputError) {
          try paths.claim(
            RawPath("a.mp3"), files: [RawPath("a.mp3")], input: RawPath("/x/a.flac"),
            context: context)
          result = nil
        } catch {
          result = error.code.rawValue
        }
        later.withLock { $0 = result }
        done.signal()
      }
      usleep(300_000)
      #expect(later.withLock { $0 } == "waiting", "the later input waits for the earlier one")
      #expect(
        code {
          try paths.claim(
            RawPath("a.mp3"), files: [RawPath("a.mp3")], input: RawPath("/x/a.wav"),
            context: self.context(0))
        } == nil)
      paths.finish(0, wrote: wrote)
      #expect(done.wait(timeout: .now() + 10) == .success)
      #expect(later.withLock { $0 } == (wrote ? "output_collision" : nil), "wrote: \(wrote)")
    }
  }

  @Test func differentNamesWithTheSameStemDoNotWaitOnceNamed() throws {
    let paths = OutputPaths(root: dir.raw)
    try paths.admit(record("/x/take.wav"), at: 0)
    try paths.admit(record("/x/take.flac"), at: 1)
    #expect(
      code {
        try paths.claim(
          RawPath("take_segment_NNN.wav"), files: [], input: RawPath("/x/take.wav"),
          context: context(0))
      } == nil)
    // The earlier one is still writing, under another name: no wait, no collision.
    #expect(
      code {
        try paths.claim(
          RawPath("take_segment_NNN.flac"), files: [], input: RawPath("/x/take.flac"),
          context: context(1))
      } == nil)
  }

  @Test func existingFilesThatMayNotBeReplaced() throws {
    let paths = OutputPaths(root: dir.raw)
    try TestFiles.wav(dir.raw.appending("source.wav"))
    paths.noteArguments([dir.raw.appending("source.wav")])
    func claim(_ name: String) -> String? {
      code {
        try paths.claim(
          RawPath(name), files: [RawPath(name)], input: RawPath("/in/\(name)"),
          context: context(nil))
      }
    }
    #expect(claim("source.wav") == "output_is_source")

    try TestFiles.write(dir.raw.appending("locked.wav"), [1])
    #expect(chmod(dir.file("locked.wav"), 0o444) == 0)
    #expect(claim("locked.wav") == "output_read_only")
    let overwriting = OutputPaths(root: dir.raw, overwrite: true)
    #expect(
      code {
        try overwriting.claim(
          RawPath("locked.wav"), files: [RawPath("locked.wav")], input: RawPath("/in/x"),
          context: context(nil))
      } == nil)

    try TestFiles.write(dir.raw.appending("mine.wav"), [1])
    #expect(claim("mine.wav") == nil, "atk's own earlier output is replaced")
    try TestFiles.link(dir.raw.appending("link.wav"), to: dir.file("locked.wav"))
    #expect(claim("link.wav") == nil, "a link is replaced itself")

    try TestFiles.folder(dir.raw.appending("folder.wav"))
    #expect(claim("folder.wav") == "cannot_write")
    try TestFiles.folder(dir.raw.appending("real"))
    try TestFiles.link(dir.raw.appending("sub"), to: dir.file("real"))
    #expect(claim("sub/a.wav") == "cannot_write", "a link below the output folder")
    #expect(TestFiles.names(in: dir.raw.appending("real")).isEmpty)

    if TestFiles.isRoot {
      try TestFiles.write(dir.raw.appending("theirs.wav"), [1])
      #expect(chown(dir.file("theirs.wav"), 4242, 4242) == 0)
      #expect(claim("theirs.wav") == "output_read_only")
    }
  }

  @Test func inputsCountFromWhereTheyAppear() throws {
    let paths = OutputPaths(root: dir.raw)
    try TestFiles.wav(dir.raw.appending("b.wav"))
    let late = record(dir.file("b.wav"))
    paths.noteInputs(of: late, at: 5)
    func claim(at sequence: Int) -> String? {
      code {
        try paths.claim(
          RawPath("b.wav"), files: [RawPath("b.wav")], input: RawPath("/in/b.flac"),
          context: context(sequence))
      }
    }
    #expect(claim(at: 4) == nil, "a file read only later is not known yet")
    #expect(claim(at: 5) == "output_is_source")
  }

  @Test func filesBelowAWalkedFolderAreSourcesButNotInTheOutputFolderBelowIt() throws {
    try TestFiles.folder(dir.raw.appending("out"))
    try TestFiles.wav(dir.raw.appending("a.wav"))
    try TestFiles.wav(dir.raw.appending("out/a.wav"))
    let inside = OutputPaths(root: dir.raw.appending("out"))
    inside.noteArguments([dir.raw])
    #expect(
      code {
        try inside.claim(
          RawPath("a.wav"), files: [RawPath("a.wav")], input: RawPath("/in/a.flac"),
          context: context(nil))
      } == nil, "the walk skips the output folder, so its files are not inputs")
    let same = OutputPaths(root: dir.raw)
    same.noteArguments([dir.raw])
    #expect(
      code {
        try same.claim(
          RawPath("a.wav"), files: [RawPath("a.wav")], input: RawPath("/in/a.flac"),
          context: context(nil))
      } == "output_is_source")
  }
}
