import VickreyCore
import ArgumentParser
import Foundation
import VickreyConfig
import VickreyLedger
import VickreySigning

/// `adctl keys generate|list|rotate`: the Ed25519 keys that sign the ledger.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "List, generate and rotate the ledger's signing keys.",
        discussion: """
            Keys are files in the keys directory (keys.directory in the config, KEYS_DIRECTORY, or --keys), \
            one KID.ed25519 file per key with mode 0600, and a 'current' file naming the key that signs new \
            records. Rotation never deletes a key, so every record stays verifiable; a running server \
            switches to the new key within five seconds.
            """,
        subcommands: [List.self, Generate.self, Rotate.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every key, oldest first, with its public key.")
        @OptionGroup var keys: KeysOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            guard let keyring = try await keys.load() else {
                throw CommandFailure(
                    message: "no keys in \(try await keys.directory()); run 'adctl keys generate'", exitCode: CommandFailure.notFound)
            }
            let rows = keyring.orderedKeys.map { key in
                (id: key.id, current: key.id == keyring.currentID, x: Base64URL.encode(key.rawPublicKey))
            }
            if output.json {
                Console.print(
                    JWKS.encode(PublicKeySet(keys: Dictionary(uniqueKeysWithValues: keyring.orderedKeys.map { ($0.id, $0.rawPublicKey) }))))
            } else {
                Console.print(
                    TextTable(
                        headers: ["KID", "CURRENT", "PUBLIC KEY (base64url)"], rows: rows.map { [$0.id, $0.current ? "yes" : "", $0.x] }
                    ).render())
            }
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the first signing key (the server also does this on first start).")
        @OptionGroup var keys: KeysOptions

        func run() async throws {
            let directory = try await keys.directory()
            if try await keys.load() != nil {
                throw CommandFailure(
                    message: "\(directory) already has keys; use 'adctl keys rotate' to add one", exitCode: CommandFailure.refused)
            }
            let (keyring, _) = try SigningKeyring.loadOrCreate(directory: directory)
            Console.print("created key \(keyring.currentID) in \(directory)")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a new key and make it the one that signs new records.")
        @OptionGroup var keys: KeysOptions

        func run() async throws {
            let directory = try await keys.directory()
            guard var keyring = try await keys.load() else {
                throw CommandFailure(message: "no keys in \(directory); run 'adctl keys generate'", exitCode: CommandFailure.notFound)
            }
            let previous = keyring.currentID
            let key = try keyring.rotate()
            Console.print("rotated: \(key.id) now signs new records; \(previous) is kept for verification")
        }
    }
}

/// `--keys DIR`, for commands that read the signing keys.
struct KeysOptions: ParsableArguments {
    @Option(
        name: .customLong("keys"),
        help: ArgumentHelp("Signing keys directory (default: keys.directory from the config file).", valueName: "dir"))
    var keysDirectory: String?

    func directory() async throws -> String {
        if let keysDirectory { return keysDirectory }
        return try await Configured.settings().keysDirectory
    }

    func load() async throws -> SigningKeyring? {
        let directory = try await directory()
        do { return try SigningKeyring.load(directory: directory) } catch {
            throw CommandFailure(message: "\(error)", exitCode: CommandFailure.refused)
        }
    }
}
