import HTTPTypes
import Hummingbird
import NIOCore
import VickreyCore

/// `GET /v1/beacons/impression/{token}` (answers a 1×1 GIF) and
/// `GET /v1/beacons/click/{token}` (redirects 302 to the creative's click URL).
struct BeaconController<Context: RequestContext>: Sendable {
    let processor: BeaconProcessor


    func addRoutes(to router: Router<Context>) {
        router.get("/v1/beacons/impression/:token") { _, context in
            _ = try await processor.process(.impression, token: try context.parameters.require("token"))
            return Response(
                status: .ok, headers: [.contentType: "image/gif", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: TrackingPixel.gif))
            )
        }
        router.get("/v1/beacons/click/:token") { _, context in
            let accepted = try await processor.process(.click, token: try context.parameters.require("token"))
            guard let target = accepted.clickURL else { return Response(status: .noContent, headers: [.cacheControl: "no-store"]) }
            return Response(status: .found, headers: [.location: target, .cacheControl: "no-store"])
        }
    }
}

enum TrackingPixel {
    /// A transparent 1×1 GIF.
    static let gif: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
        0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02,
        0x02, 0x44, 0x01, 0x00, 0x3B,
    ]
}
