// swift-tools-version:6.0
import PackageDescription

let argumentParser = Target.Dependency.product(
  name: "ArgumentParser", package: "swift-argument-parser")

let tools = ["atk-scan", "atk-convert", "atk-split", "atk-journal"]

let package = Package(
  name: "atk",
  platforms: [.macOS(.v15)],
  products: tools.map { .executable(name: $0, targets: [$0]) },
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // C shims: one system library each, found through pkg-config.
    .systemLibrary(
      name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
    .systemLibrary(name: "CLame", pkgConfig: "lame", providers: [.apt(["libmp3lame-dev"])]),
    .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),

    // Libraries.
    .target(name: "ATKRecords"),
    .target(name: "ATKCore", dependencies: ["ATKRecords", "CSndFile", "CLame", "CSQLite", "CSoxr"]),
    .target(name: "ATKCommandLine", dependencies: ["ATKCore", argumentParser]),
    .target(name: "ATKTestSupport", dependencies: ["ATKRecords"]),
  ]
    // Executables: one thin main each.
    + tools.map { .executableTarget(name: $0, dependencies: ["ATKCore", "ATKCommandLine", argumentParser]) }
    // Tests.
    + [
      .testTarget(name: "ATKRecordsTests", dependencies: ["ATKRecords"]),
      .testTarget(name: "ATKCoreTests", dependencies: ["ATKCore", "ATKTestSupport"]),
      .testTarget(
        name: "EndToEndTests",
        dependencies: ["ATKTestSupport"] + tools.map { .target(name: $0) }),
    ],
  swiftLanguageModes: [.v6]
)
