import Foundation

/// The server's in-memory tables that grow with traffic or with the catalogue, counted when
/// `/metrics` is scraped: `vickrey_memory_entries{table="…"}`. Each has a bound or a growth
/// rule, listed in docs/operations.md#memory; a count that climbs past it is a leak, one that
/// stays within it is a cache doing its job.
struct MemoryTables: Sendable {
    struct Table: Sendable {
        let name: String
        let entries: @Sendable () -> Int
    }

    let tables: [Table]

    /// Every table's count, then the process's resident memory (`ProcessMemory`).
    func exposition() -> String {
        var text = gaugeHeader(
            "vickrey_memory_entries",
            "Entries in an in-memory table that grows with traffic or the catalogue (bounds: docs/operations.md#memory).")
        for table in tables { text += #"vickrey_memory_entries{table="\#(table.name)"} \#(table.entries())"# + "\n" }
        return text + ProcessMemory.exposition()
    }
}

/// The process's resident memory (`process_resident_memory_bytes`, the name Prometheus's own
/// clients use), beside the tables: what the system has given the server, from
/// `/proc/self/statm`; left out where there is no such file. The C allocator's own split
/// (live allocations against memory it keeps free) is not exported: glibc's `mallinfo2`
/// walks every free chunk under the arena's lock, 90 ms on the heap of a million campaigns,
/// which a scrape must not make requests wait for.
enum ProcessMemory {
    static func exposition() -> String {
        guard let resident = residentBytes() else { return "" }
        return gaugeHeader("process_resident_memory_bytes", "Resident memory size in bytes.")
            + "process_resident_memory_bytes \(resident)\n"
    }

    /// Resident pages (`/proc/self/statm`'s second field) times the page size; nil where
    /// there is no such file.
    static func residentBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .ascii) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
