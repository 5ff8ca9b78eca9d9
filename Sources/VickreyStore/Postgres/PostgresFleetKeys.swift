import Foundation
import Logging
import PostgresNIO

/// The fleet's shared keys in the PostgreSQL database (`fleet_token_secret`, `ledger_key`).
final class PostgresFleetKeys: FleetKeys {
    let database: PostgresDatabase
    private var logger: Logger { database.logger }

    init(_ database: PostgresDatabase) { self.database = database }

    func tokenSecrets() async throws(StoreError) -> (secrets: [String: [UInt8]], current: String) {
        var random = SystemRandomNumberGenerator()
        let candidate = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        return try await database.transaction { connection in
            // Two servers starting together: one insert wins, both read the same secret.
            try await connection.query(
                "INSERT INTO fleet_token_secret (id, secret) VALUES ('fleet-1', \(Data(candidate))) ON CONFLICT (id) DO NOTHING",
                logger: self.logger)
            let rows = try await connection.all(
                "SELECT id, secret FROM fleet_token_secret ORDER BY created_at, id", as: (String, Data).self, logger: self.logger)
            let secrets = Dictionary(rows.map { ($0.0, Array($0.1)) }, uniquingKeysWith: { first, _ in first })
            return (secrets, rows.last!.0)  // the insert above guarantees a row
        }
    }

    func register(publicKeys: [String: [UInt8]], serverID: String) async throws(StoreError) {
        try await database.transaction { connection in
            for (kid, key) in publicKeys.sorted(by: { $0.key < $1.key }) {
                try await connection.query(
                    "INSERT INTO ledger_key (kid, public_key, server_id) VALUES (\(kid), \(Data(key)), \(serverID)) ON CONFLICT (kid) DO NOTHING",
                    logger: self.logger)
                let stored = try await connection.all(
                    "SELECT public_key FROM ledger_key WHERE kid = \(kid)", as: Data.self, logger: self.logger)
                guard stored.first.map(Array.init) == key else {
                    throw StoreError(
                        .conflict, "key id \(kid) is registered in the fleet with another public key: give each key its own id")
                }
            }
        }
    }

    func publicKeys() async throws(StoreError) -> [String: [UInt8]] {
        try await database.transaction { connection in
            Dictionary(
                try await connection.all("SELECT kid, public_key FROM ledger_key", as: (String, Data).self, logger: self.logger).map {
                    ($0.0, Array($0.1))
                }, uniquingKeysWith: { first, _ in first })
        }
    }
}
