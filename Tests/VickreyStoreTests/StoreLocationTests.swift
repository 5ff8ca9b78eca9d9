import Testing
import VickreyStore
import VickreyTestSupport

/// What `--db` accepts, and what it says about what it does not.
@Suite("--db: a SQLite path or a postgres:// URL")
struct StoreLocationTests {
    @Test(arguments: [
        ("var/vickrey.sqlite", StoreLocation.sqlite(path: "var/vickrey.sqlite")),
        (
            "postgres://ads@db.internal:6543/vickrey",
            .postgres(PostgresAddress(host: "db.internal", port: 6543, user: "ads", database: "vickrey"))
        ),
        (
            "postgresql://ads:s%40cret@10.0.0.5/fleet",
            .postgres(PostgresAddress(host: "10.0.0.5", user: "ads", password: "s@cret", database: "fleet"))
        ),
    ])
    func accepted(text: String, location: StoreLocation) throws {
        #expect(try StoreLocation(text) == location)
    }

    @Test(arguments: [
        ("postgres://db.internal/vickrey", "the user is missing"),
        ("postgres://ads@db.internal", "the database name is missing"),
        ("postgres://ads@db.internal/", "the database name is missing"),
        ("postgres://ads@db.internal:0/vickrey", "the port must be 1–65535"),
        ("postgres:///vickrey", "not a URL with a host"),
        ("", "--db must name a SQLite file or a postgres:// URL"),
    ])
    func refusedNamingWhatIsWrong(text: String, phrase: String) {
        do {
            _ = try StoreLocation(text)
            Issue.record("'\(text)' accepted")
        } catch {
            #expect(error.code == .caller)
            #expect(error.message.contains(phrase), "\(error.message)")
        }
    }

    @Test func aPasswordIsNeverPrinted() throws {
        let location = try StoreLocation("postgres://ads:hunter2@db.internal/vickrey")
        #expect("\(location)" == "postgres://ads:***@db.internal:5432/vickrey")
        do {
            _ = try StoreLocation("postgres://ads:hunter2@db.internal")
            Issue.record("accepted")
        } catch { #expect(!error.message.contains("hunter2"), "\(error.message)") }
    }

    @Test func anUnreachableServerIsADatabaseErrorThatSaysWhere() async {
        // Port 1 on loopback: nothing listens there.
        let address = PostgresAddress(host: "127.0.0.1", port: 1, user: "ads", password: "hunter2", database: "vickrey")
        do {
            _ = try await Store.open(.postgres(address))
            Issue.record("opened a database nobody serves")
        } catch {
            #expect(error.code == .database)
            #expect(error.message.hasPrefix("cannot open database at postgres://ads:***@127.0.0.1:1/vickrey"), "\(error.message)")
            #expect(!error.message.contains("hunter2"))
        }
    }

    @Test(.enabled(if: PostgresTestServer.isAvailable)) func aServerIDIsCheckedAndClaimedOnce() async throws {
        let database = try await TestDatabase(.postgres)
        do {
            _ = try await database.open(serverID: "no spaces")
            Issue.record("a bad server id accepted")
        } catch let error as StoreError { #expect(error.message.contains("--server-id 'no spaces'")) }
        let first = try await database.open(serverID: "ads-1")
        do {
            _ = try await database.open(serverID: "ads-1")
            Issue.record("a second live holder of one chain accepted")
        } catch let error as StoreError { #expect(error.code == .conflict) }
        // Another id, and a reader without one, are fine alongside.
        let second = try await database.open(serverID: "ads-2")
        let reader = try await database.open()
        #expect(reader.ledger.chainID == nil)
        // Closing the holder frees the id.
        await first.close()
        let again = try await database.open(serverID: "ads-1")
        await again.close()
        await second.close()
        await reader.close()
    }
}
