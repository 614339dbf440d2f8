import ATKRecords
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct RawPathTests {
  @Test(arguments: [
    ("dir/take 1.wav", "take 1", "wav"),
    ("take.WAV", "take", "wav"),
    ("a/b/c.tar.gz", "c.tar", "gz"),
    ("a/.hidden", ".hidden", ""),
    ("a/.hidden.flac", ".hidden", "flac"),
    ("noext", "noext", ""),
    ("trailing.", "trailing", ""),
    ("dir.d/file", "file", ""),
    ("dir/sub/", "sub", ""),
  ])
  func stemAndExtension(path: String, stem: String, ext: String) {
    let p = RawPath(path)
    #expect(p.stem == RawPath(stem), "\(path)")
    #expect(p.fileExtension == ext, "\(path)")
  }

  @Test(arguments: [
    ("a/b/c.wav", "a/b"),
    ("a/b/", "a"),
    ("a//b", "a"),
    ("c.wav", "."),
    ("/c.wav", "/"),
    ("/", "/"),
    ("//x", "/"),
    ("./c.wav", "."),
    ("../c.wav", ".."),
  ])
  func parent(path: String, parent: String) {
    #expect(RawPath(path).parent == RawPath(parent), "\(path)")
  }

  @Test func lastComponentIgnoresTrailingSlashes() {
    #expect(RawPath("a/b//").lastComponent == RawPath("b"))
    #expect(RawPath("b").lastComponent == RawPath("b"))
    #expect(RawPath("/").lastComponent.isEmpty)
  }

  @Test(arguments: [
    ("a", "b.wav", "a/b.wav"),
    ("a/", "b.wav", "a/b.wav"),
    ("/", "b.wav", "/b.wav"),
    ("", "b.wav", "b.wav"),
    (".", "b.wav", "b.wav"),
    ("a", "", "a"),
    ("a", "/b", "a/b"),
    ("a", "sub/b.wav", "a/sub/b.wav"),
  ])
  func appending(base: String, component: String, expected: String) {
    #expect(RawPath(base).appending(component) == RawPath(expected), "\(base) + \(component)")
    #expect(RawPath(base).appending(RawPath(component)) == RawPath(expected))
  }

  @Test(arguments: [
    ("dir/take.wav", "mp3", "dir/take.mp3"),
    ("take.wav", "flac", "take.flac"),
    ("take", "flac", "take.flac"),
    ("/take.wav", "ogg", "/take.ogg"),
    ("a.b/c", "wav", "a.b/c.wav"),
    ("a/x.tar.gz", "wav", "a/x.tar.wav"),
    ("a/.hidden", "wav", "a/.hidden.wav"),
  ])
  func replacingExtension(path: String, ext: String, expected: String) {
    #expect(RawPath(path).replacingExtension(with: ext) == RawPath(expected), "\(path)")
  }

  @Test func helpersKeepNonUTF8Bytes() {
    // "d\xff/\xe9.wav"
    let path = RawPath(bytes: [0x64, 0xFF, 0x2F, 0xE9, 0x2E, 0x77, 0x61, 0x76])
    #expect(path.parent.bytes == [0x64, 0xFF])
    #expect(path.stem.bytes == [0xE9])
    #expect(path.fileExtension == "wav")
    #expect(
      path.replacingExtension(with: "mp3").bytes == [0x64, 0xFF, 0x2F, 0xE9] + Array(".mp3".utf8))
    #expect(path.parent.appending(path.lastComponent) == path)
  }

  @Test func displayEscapesWhatATerminalShouldNotSee() {
    #expect(RawPath("plain name.wav").display == "plain name.wav")
    #expect(RawPath("é€😀.wav").display == "é€😀.wav")
    #expect(RawPath("new\nline").display == "new\\x0aline")
    #expect(RawPath("tab\tesc\u{1B}[31m").display == "tab\\x09esc\\x1b[31m")
    #expect(RawPath("del\u{7F}").display == "del\\x7f")
    #expect(RawPath(bytes: [0x61, 0xFF, 0x62]).display == "a\\xffb")
    #expect(RawPath(bytes: [0xC3]).display == "\\xc3")
    #expect(RawPath(bytes: [0xC3, 0x41]).display == "\\xc3A")
    #expect(RawPath(bytes: [0xED, 0xA0, 0x80]).display == "\\xed\\xa0\\x80")
    #expect(RawPath(bytes: [0xE9, 0x74, 0xE9]).display == "\\xe9t\\xe9")
    // C1 controls (U+0080-U+009F; U+009B is CSI on some terminals) are escaped too.
    #expect(RawPath("a\u{9B}31m\u{85}").display == "a\\xc2\\x9b31m\\xc2\\x85")
    #expect(RawPath("\u{A0}").display == "\u{A0}")
    #expect(RawPath("x").description == "x")
  }

  @Test func orderIsByteOrder() {
    let names =
      ["b", "a", "B", "_", "aa", "é", "z", "-x", "A b", "a\u{FF}"].map { RawPath($0) }
      + [RawPath(bytes: [0x61, 0xFF])]
    let sorted = names.sorted().map(\.bytes)
    #expect(sorted == sorted.sorted { $0.lexicographicallyPrecedes($1) })
    #expect(sorted.first == Array("-x".utf8))
    #expect(RawPath("B") < RawPath("a"))
    #expect(RawPath("a") < RawPath("aa"))
    #expect(RawPath("z") < RawPath("é"))
  }

  @Test func jsonFormAndCString() {
    #expect(RawPath("a.wav").json == .string("a.wav"))
    #expect(RawPath(bytes: [0xFF]).json == .bytes([0xFF]))
    let length = RawPath(bytes: [0x61, 0xFF, 0x62]).withCString { strlen($0) }
    #expect(length == 3)
    #expect(RawPath("/x").isAbsolute)
    #expect(!RawPath("x").isAbsolute)
    #expect(RawPath(bytes: []).isEmpty)
  }
}
