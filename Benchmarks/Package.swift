// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so the project's CI build never compiles them.
// Run from the repository root:
//   swift run -c release --package-path Benchmarks auction-bench
let package = Package(
    name: "VickreyBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Vickrey", path: ".."), .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3")],
    targets: [
        .executableTarget(
            name: "auction-bench",
            dependencies: [
                .product(name: "VickreyCore", package: "Vickrey"), .product(name: "VickreyBudget", package: "Vickrey"),
                .product(name: "VickreySynthetic", package: "Vickrey"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(
            name: "store-bench",
            dependencies: [
                .product(name: "VickreyCore", package: "Vickrey"),
                .product(name: "VickreySynthetic", package: "Vickrey"),
                .product(name: "VickreyStore", package: "Vickrey"),
                .product(name: "VickreyWire", package: "Vickrey"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(
            name: "ledger-bench",
            dependencies: [
                .product(name: "VickreyCore", package: "Vickrey"), .product(name: "VickreyLedger", package: "Vickrey"),
                .product(name: "VickreySigning", package: "Vickrey"), .product(name: "VickreyStore", package: "Vickrey"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(
            name: "beacon-bench",
            dependencies: [
                .product(name: "VickreyCore", package: "Vickrey"), .product(name: "VickreyBilling", package: "Vickrey"),
                .product(name: "VickreyBudget", package: "Vickrey"), .product(name: "VickreySigning", package: "Vickrey"),
                .product(name: "VickreyStore", package: "Vickrey"), .product(name: "VickreyTraffic", package: "Vickrey"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(
            name: "ctr-sim",
            dependencies: [.product(name: "VickreyCore", package: "Vickrey")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(
            name: "forecast-bench",
            dependencies: [
                .product(name: "VickreyCore", package: "Vickrey"), .product(name: "VickreySynthetic", package: "Vickrey"),
                .product(name: "VickreyYield", package: "Vickrey"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(
            name: "goal-sim",
            dependencies: [.product(name: "VickreyBudget", package: "Vickrey")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(
            name: "pacing-sim",
            dependencies: [.product(name: "VickreyBudget", package: "Vickrey")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
