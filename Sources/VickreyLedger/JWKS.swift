import VickreyCore
import Foundation
import VickreySigning
import VickreyWire

/// A JSON Web Key Set of Ed25519 public keys (RFC 8037: `kty` `OKP`, `crv` `Ed25519`,
/// `x` the base64url raw key), as `/.well-known/jwks.json` serves it.
public enum JWKS {
    public static func encode(_ keys: PublicKeySet) -> String {
        var out = JSONWriter()
        out.object { out in
            out.key("keys")
            out.array { out in
                for (kid, key) in keys.keys.sorted(by: { $0.key < $1.key }) {
                    out.object { out in
                        out.field("kty", "OKP")
                        out.field("crv", "Ed25519")
                        out.field("use", "sig")
                        out.field("alg", "EdDSA")
                        out.field("kid", kid)
                        out.field("x", Base64URL.encode(key))
                    }
                }
            }
        }
        return out.text
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
