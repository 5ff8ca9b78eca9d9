import Foundation
import VickreyStore

/// The PostgreSQL server the tests use: the one `VICKREY_TEST_POSTGRES_URL` names (what
/// `.ci/run` starts), or else a throwaway cluster this process starts on first use in a
/// temporary directory (as the `postgres` user when running as root: PostgreSQL refuses
/// root) and stops when it exits.
public actor PostgresTestServer {
    public static let shared = PostgresTestServer()

    /// The environment variable naming a running server, e.g.
    /// `postgres://postgres@127.0.0.1:54329/postgres`.
    public static let environmentKey = "VICKREY_TEST_POSTGRES_URL"

    /// Whether PostgreSQL can be used: a server is named, or its binaries are installed.
    public static let isAvailable: Bool = ProcessInfo.processInfo.environment[environmentKey] != nil || binaries != nil

    /// The directory holding `initdb` and `pg_ctl` (the newest installed version).
    static let binaries: URL? = {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return versions.compactMap(Int.init).sorted().reversed().lazy
            .map { root.appendingPathComponent("\($0)/bin") }
            .first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("pg_ctl").path) }
    }()

    private var started: Result<PostgresAddress, any Error>?

    /// The server's address (its `postgres` database), starting a cluster on first use (a
    /// cluster that failed to start is not tried again).
    public func address() throws -> PostgresAddress {
        if let started { return try started.get() }
        let result = Result { () throws -> PostgresAddress in
            if let url = ProcessInfo.processInfo.environment[Self.environmentKey] { return try PostgresAddress(url: url) }
            return try Self.startCluster()
        }
        started = result
        return try result.get()
    }

    /// initdb + pg_ctl start on a free port, listening on 127.0.0.1 only, trust auth.
    private static func startCluster() throws -> PostgresAddress {
        guard let binaries else { throw TestServerError("PostgreSQL is not installed (apt-get install -y postgresql)") }
        let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("vickrey-postgres-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        let data = directory.appendingPathComponent("data").path
        let asRoot = getuid() == 0
        if asRoot { try run("/bin/chown", ["postgres:postgres", directory.path]) }
        chmod(directory.path, 0o755)
        func postgres(_ tool: String, _ arguments: [String]) throws {
            let path = binaries.appendingPathComponent(tool).path
            if asRoot { try run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments) } else { try run(path, arguments) }
        }
        try postgres("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        let port = 20_000 + Int(getpid() % 20_000)
        try postgres(
            "pg_ctl",
            [
                "-D", data, "-l", directory.appendingPathComponent("log").path, "-w", "-o",
                "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c max_connections=300", "start",
            ])
        startedCluster = (binaries.appendingPathComponent("pg_ctl").path, data, directory.path, asRoot)
        atexit { stopStartedCluster() }
        return PostgresAddress(host: "127.0.0.1", port: port, user: "postgres", database: "postgres")
    }

    /// Runs a command to completion, its output kept for the error message. Through
    /// `system` rather than `Process`: the server `pg_ctl` starts outlives it and holds its
    /// inherited descriptors, which `Process`'s wait does not cope with.
    static func run(_ executable: String, _ arguments: [String]) throws {
        let log = "/tmp/vickrey-postgres-command-\(getpid())-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let quoted = ([executable] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let status = system(quoted.joined(separator: " ") + " > \(log) 2>&1 < /dev/null")
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TestServerError("\(executable) \(arguments.joined(separator: " ")) failed (\(status)): \(output)")
        }
    }
}

struct TestServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What `atexit` needs to stop the cluster this process started. `nonisolated(unsafe)` is
/// safe here: it is written once, inside the actor (so never concurrently), before the
/// `atexit` handler that reads it is registered, and never written again.
nonisolated(unsafe) private var startedCluster: (pgCtl: String, data: String, directory: String, asRoot: Bool)?

/// Stops the cluster this process started (immediately: it is thrown away) and removes it.
private func stopStartedCluster() {
    guard let (pgCtl, data, directory, asRoot) = startedCluster else { return }
    let arguments = ["-D", data, "-m", "immediate", "stop"]
    try? PostgresTestServer.run(asRoot ? "/usr/sbin/runuser" : pgCtl, asRoot ? ["-u", "postgres", "--", pgCtl] + arguments : arguments)
    try? FileManager.default.removeItem(atPath: directory)
}
