import Testing
@testable import SiteExport

@Suite("SiteLinks")
struct SiteLinksTests {
    @Test("relative Markdown links point at pages; everything else stays", arguments: [
        ("sub/b.md", "sub/b.html"),
        ("../a.md#part", "../a.html#part"),
        ("b.markdown?x=1#y", "b.html?x=1#y"),
        ("B.MD", "B.html"),
        ("notes.mkd", "notes.html"),
        ("https://example.org/a.md", "https://example.org/a.md"),
        ("mailto:a@b.md", "mailto:a@b.md"),
        ("/abs/a.md", "/abs/a.md"),
        ("#a.md", "#a.md"),
        ("?q=a.md", "?q=a.md"),
        ("dir/.md", "dir/.md"),
        ("a.mdx", "a.mdx"),
        ("image.png", "image.png"),
        ("a.md/b", "a.md/b"),
        ("", ""),
    ])
    func rewritesURLs(url: String, expected: String) {
        #expect(SiteLinks.rewrite("<a href=\"\(url)\">x</a>") == "<a href=\"\(expected)\">x</a>")
    }

    @Test("only href attributes change: text, src and escaped quotes stay")
    func onlyAttributes() {
        let html = "<p>href=&quot;a.md&quot; <img src=\"a.md\" alt=\"\"> <a href=\"a.md\">a.md</a></p>\n"
        #expect(SiteLinks.rewrite(html) == "<p>href=&quot;a.md&quot; <img src=\"a.md\" alt=\"\"> <a href=\"a.html\">a.md</a></p>\n")
    }
}
