import ATKAudio
import ATKKit
import ATKRecords
import ATKTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// One walk result, easy to compare: `file relpath` or `code relpath`.
func walk(
  _ root: RawPath, extensions: Set<String>? = nil, includeHidden: Bool = false,
  includeOutputs: Bool = false
) -> [String] {
  var out: [String] = []
  var walker = DirectoryWalker(
    root: root, extensions: extensions, includeHidden: includeHidden,
    includeOutputs: includeOutputs)
  while let entry = walker.next() {
    switch entry {
    case .file(let path, let relpath):
      #expect(path == root.appending(relpath), "path and relpath disagree")
      out.append("file \(relpath.display)")
    case .problem(_, let relpath, let code, _):
      out.append("\(code) \(relpath.display)")
    case .skipped(let path, let relpath, _):
      #expect(path == root.appending(relpath), "path and relpath disagree")
      out.append("skipped \(relpath.display)")
    }
    if out.count > 1000 {
      Issue.record("the walk does not end")
      break
    }
  }
  return out
}

@Suite struct DirectoryWalkerTests {
  @Test func sortsEachFolderByNameBytesAndGoesDepthFirst() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    for name in ["b.wav", "a.wav", "B.wav", "_u.wav", "a b.wav", "é.wav", "z.wav", "-x.wav"] {
      try TestFiles.write(root.appending(name), [1])
    }
    try TestFiles.write(root.appending(RawPath(bytes: [0x61, 0xFF, 0x2E, 0x77, 0x61, 0x76])), [1])
    try TestFiles.folder(root.appending("m"))
    try TestFiles.write(root.appending("m/2.wav"), [1])
    try TestFiles.write(root.appending("m/10.wav"), [1])
    try TestFiles.folder(root.appending("m/deeper"))
    try TestFiles.write(root.appending("m/deeper/x.wav"), [1])
    #expect(
      walk(root) == [
        "file -x.wav", "file B.wav", "file _u.wav", "file a b.wav", "file a.wav",
        "file a\\xff.wav", "file b.wav", "file m/10.wav", "file m/2.wav", "file m/deeper/x.wav",
        "file z.wav", "file é.wav",
      ])
  }

  @Test func hiddenFilesAndFoldersAreSkippedUnlessAskedFor() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    try TestFiles.write(root.appending("shown.wav"), [1])
    try TestFiles.write(root.appending(".hidden.wav"), [1])
    try TestFiles.write(root.appending(".shown.wav.atk-tmp"), [1])
    try TestFiles.folder(root.appending(".git"))
    try TestFiles.write(root.appending(".git/inside.wav"), [1])
    #expect(walk(root) == ["file shown.wav"])
    #expect(
      walk(root, includeHidden: true) == [
        "file .git/inside.wav", "file .hidden.wav", "file .shown.wav.atk-tmp", "file shown.wav",
      ])
  }

  @Test func outputFoldersAreSkippedUnlessAskedFor() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    try TestFiles.write(root.appending("take.wav"), [1])
    for folder in ["atk-out", "mine", "mine/out", "sub", "sub/atk-out"] {
      try TestFiles.folder(root.appending(folder))
      try TestFiles.write(root.appending(folder + "/x.wav"), [1])
    }
    #expect(OutputMarker.write(in: root.appending("mine/out")) == nil)
    #expect(
      walk(root) == [
        "skipped atk-out", "skipped mine/out", "file mine/x.wav", "skipped sub/atk-out",
        "file sub/x.wav", "file take.wav",
      ])
    #expect(walk(root, includeOutputs: true).count == 6)
    // Named as the root, an output folder is walked: that is asking for it.
    #expect(walk(root.appending("atk-out")) == ["file x.wav"])
    #expect(walk(root.appending("mine/out")) == ["file x.wav"])
  }

  @Test func theOutputMarkerIsMadeOnceAndNeverThroughALink() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    #expect(OutputMarker.write(in: root.appending("missing")) != nil)
    try TestFiles.folder(root.appending("out"))
    #expect(OutputMarker.write(in: root.appending("out")) == nil)
    let marker = root.appending("out/.atk-output")
    let text = try #require(TestFiles.read(marker))
    #expect(String(decoding: text, as: UTF8.self).contains("--include-outputs"))
    #expect(OutputMarker.write(in: root.appending("out")) == nil, "already there: fine")
    try TestFiles.write(root.appending("victim"), [1, 2, 3])
    try TestFiles.folder(root.appending("linked"))
    try TestFiles.link(root.appending("linked/.atk-output"), to: "../victim")
    #expect(OutputMarker.write(in: root.appending("linked")) == nil)
    #expect(TestFiles.read(root.appending("victim")) == [1, 2, 3])
  }

  @Test func extensionsFilterFilesCaseInsensitively() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    for name in ["a.wav", "b.WAV", "c.flac", "d.txt", "e", "f.mp3"] {
      try TestFiles.write(root.appending(name), [1])
    }
    #expect(walk(root, extensions: ["wav", "mp3"]) == ["file a.wav", "file b.WAV", "file f.mp3"])
    #expect(walk(root, extensions: AudioFormat.walkExtensions).count == 4)
    #expect(walk(root).count == 6)
  }

  @Test func folderLinkLoopIsReportedNotFollowed() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    try TestFiles.folder(root.appending("sub"))
    try TestFiles.write(root.appending("sub/a.wav"), [1])
    try TestFiles.link(root.appending("sub/self"), to: ".")
    try TestFiles.link(root.appending("sub/up"), to: "..")
    #expect(
      walk(root) == ["file sub/a.wav", "symlink_loop sub/self", "symlink_loop sub/up"])
  }

  @Test func fileLinkLoopIsReported() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    try TestFiles.link(root.appending("a.wav"), to: "b.wav")
    try TestFiles.link(root.appending("b.wav"), to: "a.wav")
    try TestFiles.link(root.appending("c.wav"), to: "c.wav")
    #expect(walk(root) == ["symlink_loop a.wav", "symlink_loop b.wav", "symlink_loop c.wav"])
  }

  @Test func danglingLinkIsReported() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    try TestFiles.write(root.appending("real.wav"), [1])
    try TestFiles.link(root.appending("gone.wav"), to: "nowhere.wav")
    try TestFiles.link(root.appending("good.wav"), to: "real.wav")
    #expect(
      walk(root, extensions: ["wav"]) == [
        "dangling_link gone.wav", "file good.wav", "file real.wav",
      ])
  }

  @Test func brokenLinksTheFilterWouldSkipAreNotReported() throws {
    // A dangling `cover.jpg` link must not fail a scan of audio files.
    let dir = try TemporaryDirectory()
    let root = dir.raw
    try TestFiles.write(root.appending("a.wav"), [1])
    try TestFiles.link(root.appending("cover.jpg"), to: "missing.jpg")
    try TestFiles.link(root.appending("notes.txt"), to: "notes.txt")
    try TestFiles.link(root.appending("gone"), to: "missing-folder")
    #expect(walk(root, extensions: ["wav"]) == ["file a.wav", "dangling_link gone"])
    #expect(walk(root).count == 4, "with no filter every broken link is reported")
  }

  @Test func linkedFolderIsWalkedOnce() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    try TestFiles.folder(root.appending("real"))
    try TestFiles.write(root.appending("real/a.wav"), [1])
    try TestFiles.link(root.appending("alias"), to: "real")
    // `alias` sorts first, so its walk wins; `real` is a second way into the same folder, not a
    // loop, and is skipped without a report.
    #expect(walk(root) == ["file alias/a.wav"])
  }

  @Test func missingRootIsReported() throws {
    let dir = try TemporaryDirectory()
    #expect(walk(dir.raw.appending("none")) == ["not_found "])
  }

  @Test func rootWithTrailingSlashGivesCleanPaths() throws {
    let dir = try TemporaryDirectory()
    try TestFiles.write(dir.raw.appending("a.wav"), [1])
    var walker = DirectoryWalker(root: RawPath(dir.path + "/"), extensions: nil)
    guard case .file(let path, let relpath) = walker.next() else {
      Issue.record("no file")
      return
    }
    #expect(path == RawPath(dir.path + "/a.wav"))
    #expect(relpath == RawPath("a.wav"))
  }

  @Test func unreadableFolderIsReportedAndTheWalkGoesOn() throws {
    let dir = try TemporaryDirectory()
    let root = dir.raw
    try TestFiles.folder(root.appending("closed"))
    try TestFiles.write(root.appending("closed/a.wav"), [1])
    try TestFiles.write(root.appending("open.wav"), [1])
    chmod(dir.path + "/closed", 0)
    defer { chmod(dir.path + "/closed", 0o755) }
    let entries = walk(root)
    #expect(entries.last == "file open.wav")
    // Root reads any folder whatever its mode, so the report can only be seen as another user.
    if !TestFiles.isRoot {
      #expect(entries == ["unreadable_folder closed", "file open.wav"])
    }
  }

  @Test func specialFilesAreSkipped() throws {
    let dir = try TemporaryDirectory()
    try #require(mkfifo(dir.path + "/pipe.wav", 0o644) == 0)
    try TestFiles.write(dir.raw.appending("a.wav"), [1])
    #expect(walk(dir.raw) == ["file a.wav"])
  }

  @Test func emptyFolderYieldsNothing() throws {
    let dir = try TemporaryDirectory()
    #expect(walk(dir.raw) == [])
  }
}
