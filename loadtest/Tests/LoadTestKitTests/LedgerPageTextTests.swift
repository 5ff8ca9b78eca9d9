import LoadTestKit
import Testing

/// A ledger page cut into its records' lines without decoding them: each line exactly as
/// the server wrote it, whatever braces, brackets or escaped quotes its strings hold.
@Suite("Invariant checks: a ledger page taken apart as text")
struct LedgerPageTextTests {
    static let tricky = #"{"seq":1,"request_id":"a}\"{[","list":[1,{"c":"]"}],"note":"\\"}"#
    static let plain = #"{"seq":2,"kind":"impression"}"#

    @Test(
        "each record's line is the server's text, and the page's cursor is read",
        arguments: [
            (
                #"{"server_id":null,"records":[\#(tricky),\#(plain)],"next_after":2,"has_more":true,"last_seq":9}"#, [tricky, plain], 2,
                true
            ),
            (#"{"server_id":"eu-1","records":[],"next_after":0,"has_more":false,"last_seq":0}"#, [], 0, false),
            (#"{ "records" : [ \#(plain) ] , "next_after" : 2 , "has_more" : false }"#, [plain], 2, false),
        ])
    func takenApart(body: String, lines: [String], nextAfter: Int64, hasMore: Bool) throws {
        let page = try #require(LedgerPageText(Array(body.utf8)))
        #expect(page.recordLines == lines)
        #expect(page.nextAfter == nextAfter)
        #expect(page.hasMore == hasMore)
    }

    @Test(
        "a page not of the documented shape is refused",
        arguments: [
            #"{"records":[{"seq":1,"note":"}"#, #"{"next_after":1}"#, #"{"records":{"seq":1}}"#, #"{"records":[1,2]}"#, "",
        ])
    func refused(body: String) {
        #expect(LedgerPageText(Array(body.utf8)) == nil)
    }
}
