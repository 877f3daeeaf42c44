// swift-tools-version: 5.10
import PackageDescription

/// The load generator for scripts/bench.sh, kept out of the main package so its build stays separate.
let package = Package(
    name: "chat-mirror-benchmarks",
    products: [
        .executable(name: "bench-load", targets: ["bench-load"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")
    ],
    targets: [
        .executableTarget(
            name: "bench-load",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        )
    ]
)
