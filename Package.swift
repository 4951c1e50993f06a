// swift-tools-version:5.10
import PackageDescription

// The C libraries (Debian's libicu-dev, libxml2-dev, libzstd-dev, libyaml-dev; .ci/run installs
// them) are shared in debug builds, which the tests use, and linked from their archives in
// release builds: resolving ICU's and libxml2's symbols took 1–2 ms of every search from a
// new process. Neither the module maps nor pkg-config may name them: SwiftPM puts those
// `-l` flags first, and the linker would take the shared libraries (docs/analysis.md).
// The release executable is fully static (below), so C++'s and C's own libraries join the
// group: ICU needs libstdc++ and libxml2 libm, and a static link resolves in order.
let sharedInDebug = BuildSettingCondition.when(configuration: .debug)
let staticArchives = ["xml2", "icui18n", "icuuc", "icudata", "zstd", "yaml", "lzma", "z", "stdc++", "m"]
let staticLinkFlags =
  ["-Xlinker", "--start-group"] + staticArchives.flatMap { ["-Xlinker", "-l:lib\($0).a"] } + ["-Xlinker", "--end-group"]

let package = Package(
  name: "aisearch",
  products: [
    .executable(name: "aisearch", targets: ["aisearch"]),
    .library(name: "AISearch", targets: ["AISearch"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    // ICU's headers (Debian's libicu-dev); never imported by Swift (see CICU).
    .systemLibrary(name: "CICUSystem"),
    // The only code that includes ICU headers: Foundation on Linux carries its own copy of
    // them, so a Swift module cannot import both (shared/design.md, "ICU from Swift").
    .target(
      name: "CICU", dependencies: ["CICUSystem"],
      linkerSettings: [
        .linkedLibrary("icuuc", sharedInDebug), .linkedLibrary("icui18n", sharedInDebug),
        .linkedLibrary("icudata", sharedInDebug),
      ]),
    // libxml2's HTML parser (libxml2-dev), behind a <stdint.h>-only header like CICU.
    .systemLibrary(name: "CLibXMLSystem"),
    .target(
      name: "CHTML", dependencies: ["CLibXMLSystem"],
      cSettings: [.unsafeFlags(["-I/usr/include/libxml2"])],
      linkerSettings: [.linkedLibrary("xml2", sharedInDebug)]),
    // zstd for the stored passages; its C API needs no shim.
    .systemLibrary(name: "CZstd"),
    // libyaml for Markdown front matter: Yams, which wraps it, needs all of Foundation, whose
    // loading was 0.8 ms of a 10 ms search from a new process on the seeds.
    .systemLibrary(name: "CYAML"),
    // __builtin_prefetch, behind a header of its own.
    .systemLibrary(name: "CPrefetch"),
    .target(
      name: "AISearch",
      dependencies: ["CICU", "CHTML", "CZstd", "CYAML", "CPrefetch"],
      // Run-time exclusivity checks on class properties were 4–8% of search and indexing
      // time; debug builds (and so the tests) keep them.
      swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))],
      linkerSettings: [
        .linkedLibrary("zstd", sharedInDebug), .linkedLibrary("yaml", sharedInDebug),
        .unsafeFlags(staticLinkFlags, .when(configuration: .release)),
      ]),
    .executableTarget(
      name: "aisearch",
      dependencies: [
        "AISearch", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      // A search is a new process: linking the Swift runtime and FoundationEssentials (which
      // swift-argument-parser uses; nothing here needs the rest of Foundation) statically
      // (what `--static-swift-stdlib` does, spelled out so the README's plain `swift run`
      // gets it) cut start-up from 8 to 5 ms. The executable is fully static
      // (`-static-executable`: glibc and libstdc++ too, so no dynamic loader runs; it was a
      // quarter of a no-hit search's samples, mostly relocating libstdc++): a large-tier
      // search from a new process 7.9 → 5.6 ms. Nothing here calls what a static glibc
      // cannot do alone (user and group lookups, dlopen), which the linker warns about.
      // Release only: test bundles load XCTest, which brings the shared Foundation.
      linkerSettings: [
        .unsafeFlags(
          [
            "-static-executable", "-Xlinker", "--start-group", "-lFoundationEssentials", "-l_FoundationCollections",
            "-l_FoundationCShims", "-lswiftSynchronization", "-lswiftDispatch", "-ldispatch", "-lBlocksRuntime",
            "-Xlinker", "--end-group",
          ], .when(platforms: [.linux], configuration: .release))
      ]),
    // Temporary directories and the seeds' location, for both test targets.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "AISearchTests", dependencies: ["AISearch", "TestSupport"], exclude: ["Fixtures"]),
    .testTarget(name: "AISearchCLITests", dependencies: ["aisearch", "AISearch", "TestSupport"]),
  ]
)
