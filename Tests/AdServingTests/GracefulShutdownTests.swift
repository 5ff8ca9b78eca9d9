import AdServing
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Hummingbird
import Logging
import ServiceLifecycle
import Testing
import VickreyStore

@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    let harness = ServerHarness(seedDemo: true) { $0.port = Int.random(in: 20_000..<32_000) }

    func status(_ url: URL) async -> Int? {
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        return try? await (URLSession.shared.data(for: request).1 as? HTTPURLResponse)?.statusCode
    }

    @Test func aShutdownStopsServingAndReturns() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = try await buildApplication(settings: harness.settings, logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let url = URL(string: "http://127.0.0.1:\(harness.settings.port)/readyz")!
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var served: Int?
            for _ in 0..<100 where served == nil {
                served = await status(url)
                if served == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(served == 200, "the live server never answered /readyz")
            await group.triggerGracefulShutdown()
            try await tasks.next()  // run() returns once the server and the reloader have stopped
        }
        #expect(await status(url) == nil, "still answering after shutdown")
        // The database was closed cleanly: it opens again with no migration pending.
        #expect(try await harness.store().appliedMigrations().count == 11)
    }
}
