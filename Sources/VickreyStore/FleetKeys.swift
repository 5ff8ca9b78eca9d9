/// What the servers of a fleet share besides campaigns and the ledger (PostgreSQL only):
/// the secrets beacon tokens are authenticated under, so any server accepts any
/// server's tokens, and the public half of every key that signs a chain, so the JWKS of
/// any server (and `adctl ledger verify`) knows every key of every chain.
public protocol FleetKeys: Sendable {
    /// The token secrets by id and the id that mints new tokens (the newest); the first
    /// server to ask creates one.
    func tokenSecrets() async throws(StoreError) -> (secrets: [String: [UInt8]], current: String)
    /// Records the public keys `serverID` signs with. A key id already registered with
    /// another public key is a `.conflict`.
    func register(publicKeys: [String: [UInt8]], serverID: String) async throws(StoreError)
    /// Every registered public key by key id.
    func publicKeys() async throws(StoreError) -> [String: [UInt8]]
}
