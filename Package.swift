// swift-tools-version:6.0
import PackageDescription

// Linux only (glibc): the code imports Glibc and uses glibc's fopencookie(3), so the package
// claims no other platform.

let argumentParser = Target.Dependency.product(
  name: "ArgumentParser", package: "swift-argument-parser")

/// The tools: each executable, the library holding its stage, and the other libraries its main
/// uses besides ATKCommandLine. This one list makes the products, the executable targets and
/// the test targets' dependencies.
let tools: [(name: String, stage: String, uses: [String])] = [
  ("atk-scan", "ATKScanning", ["ATKAudio"]),
  ("atk-convert", "ATKConversion", ["ATKAudio", "ATKAudioCommandLine"]),
  ("atk-split", "ATKSplitting", ["ATKAudio", "ATKAudioCommandLine"]),
  ("atk-journal", "ATKJournal", []),
]

let package = Package(
  name: "atk",
  products: tools.map { .executable(name: $0.name, targets: [$0.name]) },
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // C shims: one system library each, found through pkg-config; CStdio only declares what
    // Swift's Glibc module leaves out, and links nothing.
    .systemLibrary(name: "CStdio"),
    .systemLibrary(
      name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
    .systemLibrary(name: "CLame", pkgConfig: "lame", providers: [.apt(["libmp3lame-dev"])]),
    .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),

    // Libraries: each links only the C libraries it imports, so a tool links only what its
    // stage uses.
    .target(name: "ATKRecords"),
    .target(name: "ATKKit", dependencies: ["ATKRecords", "CStdio"]),
    .target(name: "ATKAudio", dependencies: ["ATKRecords", "ATKKit", "CSndFile", "CSoxr"]),
    .target(name: "ATKAnalysis", dependencies: ["ATKRecords", "ATKAudio"]),
    .target(name: "ATKEncoding", dependencies: ["ATKRecords", "ATKKit", "ATKAudio", "CLame"]),
    .target(name: "ATKJournal", dependencies: ["ATKRecords", "ATKKit", "CSQLite"]),
    .target(name: "ATKScanning", dependencies: ["ATKRecords", "ATKKit", "ATKAudio", "CSndFile"]),
    .target(
      name: "ATKConversion", dependencies: ["ATKRecords", "ATKKit", "ATKAudio", "ATKEncoding"]),
    .target(
      name: "ATKSplitting",
      dependencies: ["ATKRecords", "ATKKit", "ATKAudio", "ATKEncoding", "CSndFile"]),
    .target(name: "ATKCommandLine", dependencies: ["ATKRecords", "ATKKit", argumentParser]),
    .target(name: "ATKAudioCommandLine", dependencies: ["ATKAudio", argumentParser]),
    .target(name: "ATKTestSupport", dependencies: ["ATKRecords"]),
  ]
    // Executables: one thin main each, on its stage's library.
    + tools.map { tool in
      .executableTarget(
        name: tool.name,
        dependencies: ([tool.stage, "ATKCommandLine"] + tool.uses).map { .target(name: $0) }
          + [argumentParser])
    }
    // Tests.
    + [
      .testTarget(name: "ATKRecordsTests", dependencies: ["ATKRecords"]),
      .testTarget(
        name: "ATKCoreTests",
        dependencies: ["ATKKit", "ATKAudio", "ATKAnalysis", "ATKEncoding", "ATKTestSupport"]
          + tools.map { .target(name: $0.stage) }),
      .testTarget(
        name: "EndToEndTests",
        dependencies: ["ATKTestSupport"] + tools.map { .target(name: $0.name) }),
    ],
  swiftLanguageModes: [.v6]
)
