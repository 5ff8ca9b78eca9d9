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

    func exposition() -> String {
        var text = gaugeHeader(
            "vickrey_memory_entries",
            "Entries in an in-memory table that grows with traffic or the catalogue (bounds: docs/operations.md#memory).")
        for table in tables { text += #"vickrey_memory_entries{table="\#(table.name)"} \#(table.entries())"# + "\n" }
        return text
    }
}
