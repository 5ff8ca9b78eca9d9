import Foundation
import VickreySigning

/// A JSON Web Key Set of Ed25519 public keys (RFC 8037: `kty` `OKP`, `crv` `Ed25519`,
/// `x` the base64url raw key), as `/.well-known/jwks.json` serves it.
public enum JWKS {
    public static func encode(_ keys: PublicKeySet) -> String {
        let entries = keys.keys.keys.sorted().map { kid in
            #"{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"EdDSA","kid":"\#(kid)","x":"\#(Base64URL.encode(keys.keys[kid]!))"}"#
        }
        return #"{"keys":["# + entries.joined(separator: ",") + "]}"
    }

    /// Reads the Ed25519 keys of a key set; throws naming what is wrong.
    public static func decode(_ data: Data) throws -> PublicKeySet {
        struct Document: Decodable {
            struct Key: Decodable {
                var kty: String?
                var crv: String?
                var kid: String?
                var x: String?
            }
            var keys: [Key]
        }
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: data) } catch {
            throw JWKSError("not a JSON Web Key Set: expected {\"keys\": [...]}")
        }
        var keys: [String: [UInt8]] = [:]
        for (index, key) in document.keys.enumerated() where key.kty == "OKP" && key.crv == "Ed25519" {
            guard let kid = key.kid, let x = key.x.flatMap(Base64URL.decode), x.count == 32 else {
                throw JWKSError("keys[\(index)]: an Ed25519 key needs a kid and a 32-byte base64url x")
            }
            keys[kid] = x
        }
        return PublicKeySet(keys: keys)
    }
}

/// A key set that cannot be read, with what is wrong.
public struct JWKSError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
