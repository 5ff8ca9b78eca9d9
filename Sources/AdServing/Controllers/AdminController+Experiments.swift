import Hummingbird
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

extension AdminController {
    /// Experiments: admin keys only (an advertiser or billing key gets 403).
    func addExperimentRoutes(to router: Router<VickreyRequestContext>) {
        router.get("/v1/admin/experiments") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let all = try await administration.experiments(for: principal)
            return AdminJSON.response(
                AdminJSON.write { out in out.array { out in for stored in all { AdminJSON.experiment(stored, into: &out) } } })
        }
        router.post("/v1/admin/experiments") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            try principal.require(.admin)
            let body = try await readBody(request, limit: maximumBodyBytes)
            let experiment: Experiment
            do throws(FieldError) { experiment = try ExperimentDocument.parse(body) } catch { throw APIError.invalid(error) }
            let stored = try await administration.createExperiment(experiment, by: principal)
            return AdminJSON.response(AdminJSON.write { AdminJSON.experiment(stored, into: &$0) }, status: .created)
        }
        router.get("/v1/admin/experiments/:id") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let stored = try await administration.experiment(try context.parameters.require("id"), for: principal)
            return AdminJSON.response(AdminJSON.write { AdminJSON.experiment(stored, into: &$0) })
        }
        router.post("/v1/admin/experiments/:id/stop") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let stored = try await administration.stopExperiment(try context.parameters.require("id"), by: principal)
            return AdminJSON.response(AdminJSON.write { AdminJSON.experiment(stored, into: &$0) })
        }
        router.get("/v1/admin/experiments/:id/report") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let report = try await administration.experimentReport(try context.parameters.require("id"), for: principal)
            return JSONResponse.bytes(Array(report.json.utf8))
        }
    }
}
