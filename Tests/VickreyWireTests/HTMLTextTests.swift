import Testing
import VickreyWire

@Suite("HTML escaping")
struct HTMLTextTests {
    @Test(arguments: [
        ("https://cdn.example/a.png", "https://cdn.example/a.png"),
        ("https://a.example/?x=1&y=2", "https://a.example/?x=1&amp;y=2"),
        (#"<script>alert("x")</script>"#, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"),
        ("O'Brien & Sons", "O&#39;Brien &amp; Sons"),
        ("café ☕️ — 5 €", "café ☕️ — 5 €"),
        ("", ""),
    ])
    func specialCharactersBecomeReferencesAndTheRestIsKept(text: String, expected: String) {
        #expect(HTMLText.escape(text) == expected)
    }
}
