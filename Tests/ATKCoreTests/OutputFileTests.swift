import ATKRecords
import ATKTestSupport
import Testing

@testable import ATKKit

#if canImport(Glibc)
  import Glibc
#endif

/// Writes `bytes` through an output's descriptor.
func put(_ bytes: [UInt8], into output: OutputFile) {
  let n = bytes.withUnsafeBytes { write(output.descriptor, $0.baseAddress, $0.count) }
  #expect(n == bytes.count)
}

@Suite struct OutputFileTests {
  @Test func writesUnderADotTemporaryNameInTheDestinationFolder() throws {
    let dir = try TemporaryDirectory()
    let final = dir.raw.appending("out.flac")
    let output = try OutputFile(finalPath: final)
    #expect(output.temporaryPath == dir.raw.appending(".out.flac.atk-tmp"))
    put(Array("data".utf8), into: output)
    #expect(TestFiles.exists(output.temporaryPath))
    #expect(!TestFiles.exists(final), "no file under the final name before commit")
    try output.commit()
    #expect(TestFiles.read(final) == Array("data".utf8))
    #expect(!TestFiles.exists(output.temporaryPath))
    #expect(TestFiles.names(in: dir.raw) == ["out.flac"])
  }

  @Test func commitReplacesAnEarlierOutput() throws {
    let dir = try TemporaryDirectory()
    let final = dir.raw.appending("out.wav")
    try TestFiles.write(final, Array("old".utf8))
    let output = try OutputFile(finalPath: final, sync: true)
    put(Array("new".utf8), into: output)
    #expect(TestFiles.read(final) == Array("old".utf8))
    try output.commit()
    #expect(TestFiles.read(final) == Array("new".utf8))
    try output.commit()  // a second commit does nothing
  }

  @Test func abandonRemovesTheTemporaryFileAndLeavesTheFinalNameAlone() throws {
    let dir = try TemporaryDirectory()
    let final = dir.raw.appending("out.wav")
    try TestFiles.write(final, Array("earlier run".utf8))
    let output = try OutputFile(finalPath: final)
    put(Array("half a file".utf8), into: output)
    output.abandon()
    #expect(!TestFiles.exists(output.temporaryPath))
    #expect(TestFiles.read(final) == Array("earlier run".utf8))
    output.abandon()  // twice is harmless
    #expect(TestFiles.names(in: dir.raw) == ["out.wav"])
  }

  @Test func releasingAnUncommittedOutputAbandonsIt() throws {
    let dir = try TemporaryDirectory()
    let final = dir.raw.appending("out.wav")
    var temporary: RawPath?
    do {
      let output = try OutputFile(finalPath: final)
      temporary = output.temporaryPath
      put([1, 2, 3], into: output)
    }
    #expect(temporary.map(TestFiles.exists) == false)
    #expect(!TestFiles.exists(final))
  }

  @Test func secondWriterOfTheSameOutputIsBusy() throws {
    let dir = try TemporaryDirectory()
    let final = dir.raw.appending("same.wav")
    let first = try OutputFile(finalPath: final)
    put(Array("first".utf8), into: first)
    do {
      _ = try OutputFile(finalPath: final)
      Issue.record("a second writer of the same output was let in")
    } catch {
      guard case .busy(let path) = error else {
        Issue.record("expected .busy, got \(error)")
        return
      }
      #expect(path == final)
      #expect(error.code == .outputCollision)
    }
    // The refused writer must not have emptied the first one's file.
    try first.commit()
    #expect(TestFiles.read(final) == Array("first".utf8))
    // Once the first is done, the output can be written again.
    let third = try OutputFile(finalPath: final)
    put(Array("third".utf8), into: third)
    try third.commit()
    #expect(TestFiles.read(final) == Array("third".utf8))
  }

  @Test func staleTemporaryFileFromAKilledRunIsReused() throws {
    let dir = try TemporaryDirectory()
    let final = dir.raw.appending("out.wav")
    try TestFiles.write(dir.raw.appending(".out.wav.atk-tmp"), Array("stale junk from before".utf8))
    let output = try OutputFile(finalPath: final)
    put(Array("ok".utf8), into: output)
    try output.commit()
    #expect(TestFiles.read(final) == Array("ok".utf8))
    #expect(TestFiles.names(in: dir.raw) == ["out.wav"])
  }

  @Test func createsMissingFolders() throws {
    let dir = try TemporaryDirectory()
    let final = dir.raw.appending("a/b/c/out.wav")
    let output = try OutputFile(finalPath: final)
    try output.commit()
    #expect(TestFiles.exists(final))
  }

  @Test func folderThroughARegularFileCannotBeCreated() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.write(dir.raw.appending("file"), [1])
    do {
      _ = try OutputFile(finalPath: dir.raw.appending("file/sub/out.wav"))
      Issue.record("an output below a regular file was created")
    } catch {
      guard case .notAFolder = error else {
        Issue.record("expected .notAFolder, got \(error)")
        return
      }
      #expect(error.code == .cannotWrite)
      #expect(error.description.contains("'\(dir.path)/file' is a file, not a folder"))
      #expect(!error.description.contains("atk-tmp"))
    }
  }

  @Test func aLinkUnderTheTemporaryNameIsNeverWrittenThrough() throws {
    let dir = try TemporaryDirectory()
    let victim = dir.raw.appending("victim")
    try TestFiles.write(victim, Array("DATA".utf8))
    try TestFiles.folder(dir.raw.appending("out"))
    try TestFiles.link(dir.raw.appending("out/.a.wav.atk-tmp"), to: dir.file("victim"))
    do {
      _ = try OutputFile(finalPath: dir.raw.appending("out/a.wav"))
      Issue.record("a link under the temporary name was written through")
    } catch {
      guard case .temporaryInTheWay = error else {
        Issue.record("expected .temporaryInTheWay, got \(error)")
        return
      }
      #expect(error.code == .cannotWrite)
      #expect(error.description.contains("symbolic link"))
      #expect(!error.description.contains("atk-tmp"))
    }
    #expect(TestFiles.read(victim) == Array("DATA".utf8))
  }

  @Test func anotherUsersFileUnderTheTemporaryNameIsLeftAlone() throws {
    guard TestFiles.isRoot else { return }
    let dir = try TemporaryDirectory()
    let stale = dir.raw.appending(".a.wav.atk-tmp")
    try TestFiles.write(stale, Array("theirs".utf8))
    #expect(chown(dir.file(".a.wav.atk-tmp"), 4242, 4242) == 0)
    #expect(throws: OutputError.self) { try OutputFile(finalPath: dir.raw.appending("a.wav")) }
    #expect(TestFiles.read(stale) == Array("theirs".utf8))
  }

  @Test func aLinkUnderTheFinalNameIsReplacedNotItsTarget() throws {
    let dir = try TemporaryDirectory()
    let victim = dir.raw.appending("victim")
    try TestFiles.write(victim, Array("DATA".utf8))
    try TestFiles.link(dir.raw.appending("a.wav"), to: dir.file("victim"))
    let output = try OutputFile(finalPath: dir.raw.appending("a.wav"))
    put(Array("new".utf8), into: output)
    try output.commit()
    #expect(TestFiles.read(victim) == Array("DATA".utf8))
    #expect(TestFiles.read(dir.raw.appending("a.wav")) == Array("new".utf8))
    var info = stat()
    #expect(lstat(dir.file("a.wav"), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG)
  }

  @Test(arguments: [5, 200, 246])
  func namesWhoseTemporaryNameFitsKeepIt(length: Int) throws {
    let name = RawPath(String(repeating: "n", count: length - 4) + ".wav")
    let temporary = OutputFile.temporaryName(for: name)
    #expect(temporary.bytes == [0x2E] + name.bytes + Array(".atk-tmp".utf8))
    #expect(temporary.bytes.count <= 255)
  }

  @Test(arguments: [247, 250, 255])
  func longNamesNearTheLimitGetAHashedTemporaryName(length: Int) throws {
    let dir = try TemporaryDirectory()
    let name = String(repeating: "l", count: length - 4) + ".wav"
    let final = dir.raw.appending(name)
    let output = try OutputFile(finalPath: final)
    #expect(output.temporaryPath.lastComponent.bytes.count <= 255)
    #expect(output.temporaryPath.lastComponent.bytes.first == 0x2E, "hidden from walks")
    put([7], into: output)
    try output.commit()
    #expect(TestFiles.read(final) == [7])
    #expect(TestFiles.names(in: dir.raw) == [name])
  }

  @Test func hashedTemporaryNamesDifferForDifferentNames() {
    let a = OutputFile.temporaryName(for: RawPath(String(repeating: "a", count: 250)))
    let b = OutputFile.temporaryName(for: RawPath(String(repeating: "a", count: 249) + "b"))
    #expect(a != b)
    #expect(a == OutputFile.temporaryName(for: RawPath(String(repeating: "a", count: 250))))
  }

  @Test func nonUTF8NamesWork() throws {
    let dir = try TemporaryDirectory()
    let final = dir.raw.appending(RawPath(bytes: [0x6F, 0xFF, 0x2E, 0x77, 0x61, 0x76]))
    let output = try OutputFile(finalPath: final)
    put([9], into: output)
    try output.commit()
    #expect(TestFiles.read(final) == [9])
  }
}
