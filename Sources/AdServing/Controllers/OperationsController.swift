import Hummingbird
import NIOCore
import VickreyBudget
import VickreyCore
import VickreyStore
import VickreyWire

/// `GET /healthz`, `/readyz`, `/metrics` and `/openapi.json`.
struct OperationsController<Context: RequestContext>: Sendable {
    let reloader: CampaignIndexReloader
    let metrics: ServerMetrics
    let budgets: BudgetBook
    let lineItems: LineItemStatuses
    let memory: MemoryTables
    let clock: any VickreyClock

    func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in
            var out = JSONWriter(capacity: 16)
            out.object { $0.field("status", "ok") }
            return JSONResponse.bytes(out.bytes)
        }
        router.get("/readyz") { _, _ in
            // Ready once the first full load has reached the index. A server that then loses
            // its database stays ready (it serves ads from its index) and says so: a load
            // balancer that should also drain it can read `database`.
            guard reloader.revision >= 0 else {
                throw APIError(code: .notReady, message: "the campaign index is not loaded yet", field: nil)
            }
            var out = JSONWriter(capacity: 96)
            out.object { out in
                out.field("status", "ready")
                out.field("campaigns", reloader.index.snapshot.count)
                out.field("revision", reloader.revision)
                out.field("database", reloader.storeFailure == nil ? "ok" : "unreachable")
            }
            return JSONResponse.bytes(out.bytes)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(
                        bytes: metrics.exposition()
                            + (LeaseExposition.render(budgets.leaseSnapshots(at: clock.now()))
                            + LineItemStatuses.exposition(lineItems.all()) + memory.exposition()).utf8))
            )
        }
        router.get("/openapi.json") { _, _ in JSONResponse.bytes(Array(OpenAPIDocument.json.utf8)) }
    }
}
