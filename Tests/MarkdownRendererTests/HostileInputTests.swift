import Foundation
import MarkdownRenderer
import TestSupport
import Testing

/// NUL bytes, invalid UTF-8, CRLF and pathological nesting, compared with the reference
/// `cmark-gfm --validate-utf8` byte for byte.
@Suite("hostile inputs render as the reference CLI does")
struct HostileInputTests {
    static let cases: [(name: String, bytes: [UInt8])] = {
        var cases: [(String, [UInt8])] = [
            ("NUL bytes", Array("a\u{0}b\n\n`\u{0}`\n\n```\u{0}\n\u{0}\n```\n".utf8)),
            ("invalid UTF-8", [0x61, 0xFF, 0x62, 0xC3, 0x20, 0x63, 0xE2, 0x82, 0x0A, 0xF0, 0x9F, 0x98, 0x0A, 0xED, 0xA0, 0x80, 0x0A, 0xC0, 0xAF, 0x0A]),
            ("CRLF and lone CR", Array("# T\r\n\r\n| a | b |\r\n|---|---|\r\n| 1 | 2 |\r\n\r\n- x\r- y\r\n> q\r\n".utf8)),
            ("BOM", [0xEF, 0xBB, 0xBF] + Array("# bom\n".utf8)),
        ]
        let depth = 5_000
        cases.append(("nested blockquotes", Array((String(repeating: "> ", count: depth) + "deep\n").utf8)))
        cases.append(("nested lists", Array((0..<1_000).map { String(repeating: "  ", count: $0) + "- item\n" }.joined().utf8)))
        cases.append(("nested emphasis", Array((String(repeating: "*a ", count: depth) + "b" + String(repeating: " a*", count: depth) + "\n").utf8)))
        cases.append(("nested brackets", Array((String(repeating: "[", count: depth) + "x" + String(repeating: "](u)", count: depth) + "\n").utf8)))
        cases.append(("unclosed brackets and backticks", Array((String(repeating: "[a", count: depth) + String(repeating: "`", count: depth) + "\n").utf8)))
        cases.append(("nested inline links in table", Array(("| a |\n|---|\n" + String(repeating: "| <[x](y)> ~~*z*~~ www.e.com |\n", count: 2_000)).utf8)))
        return cases
    }()

    @Test("each case equals cmark-gfm --validate-utf8 in safe and unsafe mode", arguments: HostileInputTests.cases.map(\.name))
    func matchesReference(name: String) throws {
        guard let cmark = try Subprocess.referenceCmark() else { return }
        let bytes = try #require(Self.cases.first { $0.name == name }).bytes
        for unsafe in [false, true] {
            let html = MarkdownRenderer(options: RenderOptions(allowsUnsafeHTML: unsafe)).render(bytes: bytes)
            let reference = try Subprocess.run(cmark, ReferenceFlags.arguments(unsafe: unsafe), input: Data(bytes))
            #expect(reference.status == 0)
            #expect(html.utf8.elementsEqual(reference.stdout), "\(name) (unsafe: \(unsafe)) differs from cmark-gfm")
            #expect(html.utf8.count == reference.stdout.count)
        }
    }

    @Test("NUL never truncates: text after a NUL is rendered")
    func nulDoesNotTruncate() {
        let html = MarkdownRenderer().render(bytes: Array("before\u{0}after\n".utf8))
        #expect(html == "<p>before\u{FFFD}after</p>\n")
    }
}

/// The reference CLI's flags for `MarkdownRenderer`'s default options.
enum ReferenceFlags {
    static func arguments(unsafe: Bool) -> [String] {
        var arguments = ["--validate-utf8"]
        for name in GFMExtension.allCases.map(\.rawValue) { arguments += ["-e", name] }
        if unsafe { arguments.append("--unsafe") }
        return arguments
    }
}
