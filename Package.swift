// swift-tools-version: 6.1
import PackageDescription

/// Strict settings shared by every target: explicit `any`, and imports that must
/// name the module a member comes from.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Vickrey",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "VickreyCore", targets: ["VickreyCore"]),
        .library(name: "VickreySynthetic", targets: ["VickreySynthetic"]),
    ],
    dependencies: [],
    targets: [
        // The auction core: money, ids, the campaign model, the targeting index and the
        // second-price auction. Pure: no HTTP, no SQLite, no clock reads, no global randomness.
        .target(
            name: "VickreyCore",
            swiftSettings: strictSettings
        ),
        // Seeded synthetic campaign sets and request streams (benchmarks, load tests).
        .target(
            name: "VickreySynthetic",
            dependencies: ["VickreyCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VickreyCoreTests",
            dependencies: ["VickreyCore", "VickreySynthetic"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
