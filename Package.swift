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
        .executable(name: "adctl", targets: ["adctl"]),
        .executable(name: "adserver", targets: ["adserver"]),
        .executable(name: "loadtest", targets: ["loadtest"]),
        .library(name: "VickreyCore", targets: ["VickreyCore"]),
        .library(name: "VickreyBudget", targets: ["VickreyBudget"]),
        .library(name: "VickreySynthetic", targets: ["VickreySynthetic"]),
        .library(name: "VickreyWire", targets: ["VickreyWire"]),
        .library(name: "VickreyStore", targets: ["VickreyStore"]),
        .library(name: "VickreySigning", targets: ["VickreySigning"]),
        .library(name: "VickreyLedger", targets: ["VickreyLedger"]),
        .library(name: "VickreyBilling", targets: ["VickreyBilling"]),
        .library(name: "VickreyTraffic", targets: ["VickreyTraffic"]),
        .library(name: "VickreyYield", targets: ["VickreyYield"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The auction core: money, ids, the campaign model, the targeting index and the
        // second-price auction. Pure: no HTTP, no SQLite, no clock reads, no global randomness.
        .target(name: "VickreyCore", swiftSettings: strictSettings),
        // Budget accounts (exact nanos, reservations, daily resets), even pacing and
        // frequency caps: the eligibility policy the server auctions with. No I/O.
        .target(
            name: "VickreyBudget",
            dependencies: ["VickreyCore", .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: strictSettings
        ),
        // The signed ledger's record format: canonical bytes, hash chain, Ed25519 seals,
        // verification, JWKS and export formats. No database.
        .target(
            name: "VickreyLedger",
            dependencies: ["VickreyCore", "VickreySigning", "VickreyWire", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // Seeded synthetic campaign sets and request streams (benchmarks, load tests).
        .target(name: "VickreySynthetic", dependencies: ["VickreyCore"], swiftSettings: strictSettings),
        // The JSON shapes scripts and clients depend on (campaign JSON lines), with
        // validation that names the offending field. No HTTP, no database.
        .target(
            name: "VickreyWire", dependencies: ["VickreyCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // The durable stores behind one interface, on two engines: SQLite (the embedded
        // default, the only GRDB importer) and PostgreSQL (a fleet's shared database, the only
        // PostgresNIO importer); the live index reloader.
        .target(
            name: "VickreyStore",
            dependencies: [
                "VickreyCore", "VickreyLedger", "VickreyWire", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Signing keys (Ed25519, kept in files outside the database) and the beacon tokens
        // that ads carry (HMAC-SHA256 under a key derived from the signing key).
        .target(
            name: "VickreySigning",
            dependencies: ["VickreyCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // The billing use cases, between the HTTP layer and the stores: a beacon turned into
        // money and a durable ledger record, spend recovered from the ledger at start-up,
        // the replay guard and the live signing keys. No HTTP.
        .target(
            name: "VickreyBilling",
            dependencies: [
                "VickreyCore", "VickreyBudget", "VickreyLedger", "VickreySigning", "VickreyStore", "VickreyTraffic",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings
        ),
        // The yield tools: learned CTRs fed from the ledger, experiment counting and
        // reports with confidence intervals, the sampled auction log and its replay.
        .target(
            name: "VickreyYield", dependencies: ["VickreyCore", "VickreyStore", "VickreyWire"], swiftSettings: strictSettings
        ),
        // Settings shared by the executables: config/vickrey.json < environment < flags.
        .target(
            name: "VickreyConfig",
            dependencies: [
                "VickreyCore",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSettings
        ),
        // Every `adctl` command, as a library so tests run the real commands.
        // Invalid traffic: robot and browser lists (the IAB/ABC format and a plain one),
        // excluded address ranges, and the verdict on a beacon or an ad request. No I/O.
        .target(name: "VickreyTraffic", dependencies: ["VickreyCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "VickreyTrafficTests", dependencies: ["VickreyTraffic", "VickreyCore"],
            exclude: ["Fixtures"], resources: [], swiftSettings: strictSettings),
        .target(
            name: "AdminCLI",
            dependencies: [
                "VickreyCore", "VickreyWire", "VickreyStore", "VickreyConfig", "VickreySigning", "VickreyLedger", "VickreyYield",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "adctl", dependencies: ["AdminCLI", "VickreyConfig"], swiftSettings: strictSettings),
        // The HTTP API (the only Hummingbird importer): routes, error mapping, metrics,
        // start-up. `buildApplication` is what the executable and the tests both call.
        .target(
            name: "AdServing",
            dependencies: [
                "VickreyCore", "VickreyBudget", "VickreyWire", "VickreyStore", "VickreySigning", "VickreyLedger", "VickreyConfig",
                "VickreyBilling", "VickreyYield", "VickreyTraffic", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"), .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "DequeModule", package: "swift-collections"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "adserver",
            dependencies: [
                "AdServing", "VickreyConfig", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The load-test harness (sources in loadtest/): scenarios, an open- and closed-loop
        // HTTP/1.1 load generator on SwiftNIO, HDR latency reports, invariant checks.
        .target(
            name: "LoadTestKit",
            dependencies: [
                "VickreyCore", "VickreySynthetic", "VickreyWire", "VickreyLedger",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "loadtest/Sources/LoadTestKit",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "loadtest",
            dependencies: [
                "LoadTestKit", "VickreyCore", "VickreyConfig", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "loadtest/Sources/loadtest",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LoadTestKitTests",
            dependencies: [
                "LoadTestKit", "VickreyCore", "VickreyLedger", "VickreyWire", "VickreyStore", "VickreySynthetic", "VickreyTestSupport",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "loadtest/Tests/LoadTestKitTests",
            swiftSettings: strictSettings
        ),
        // The built executables as a user runs them: closed pipes, the README's commands.
        .testTarget(name: "ExecutableTests", path: "Tests/ExecutableTests", swiftSettings: strictSettings),
        // Test helpers shared by the test targets: a fresh database per test on either
        // engine, and the PostgreSQL server the tests use (started on demand).
        .target(
            name: "VickreyTestSupport", dependencies: ["VickreyStore", "VickreyBudget", "VickreyCore"], path: "Tests/VickreyTestSupport",
            swiftSettings: strictSettings),
        .testTarget(
            name: "VickreyYieldTests",
            dependencies: ["VickreyYield", "VickreyCore", "VickreyStore", "VickreyLedger", "VickreySynthetic", "VickreyTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VickreyCoreTests", dependencies: ["VickreyCore", "VickreySynthetic", "VickreyTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "VickreyBudgetTests", dependencies: ["VickreyBudget", "VickreyCore", "VickreyTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "VickreyLedgerTests",
            dependencies: [
                "VickreyLedger", "VickreyCore", "VickreySigning", "VickreyTestSupport", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "VickreyWireTests", dependencies: ["VickreyWire", "VickreySynthetic"], swiftSettings: strictSettings),
        .testTarget(
            name: "VickreyStoreTests",
            dependencies: [
                "VickreyStore", "VickreyLedger", "VickreyWire", "VickreySynthetic", "VickreyTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VickreyBillingTests",
            dependencies: [
                "VickreyBilling", "VickreyBudget", "VickreyCore", "VickreyLedger", "VickreySigning", "VickreyStore", "VickreyTestSupport",
                "VickreyTraffic", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VickreySigningTests", dependencies: ["VickreySigning", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AdServingTests",
            dependencies: [
                "AdServing", "AdminCLI", "VickreyConfig", "VickreyWire", "VickreyCore", "VickreyStore", "VickreyBudget", "VickreyLedger", "VickreySigning",
                "VickreySynthetic", "VickreyYield", "VickreyTestSupport", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AdminCLITests",
            dependencies: [
                "AdminCLI", "VickreySynthetic", "VickreyStore", "VickreyLedger", "VickreySigning", "VickreyCore", "VickreyYield",
                "VickreyTestSupport",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
