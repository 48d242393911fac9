import Foundation
import MarkdownRenderer
import TestSupport
import Testing

/// `parseBlocks`: the blocks' HTML, then the footnote section, is the full render.
@Suite struct BlockParseTests {
    let renderer = MarkdownRenderer()

    private func expectJoinsToRender(_ markdown: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let parse = renderer.parseBlocks(markdown)
        #expect(parse.html == renderer.render(markdown), sourceLocation: sourceLocation)
        var previous = -1
        for block in parse.blocks {
            #expect(block.lines.lowerBound > previous, "blocks overlap or are out of order", sourceLocation: sourceLocation)
            previous = block.lines.upperBound
        }
    }

    @Test func blocksJoinToTheRenderOfHazards() {
        for markdown in [
            "", "\n", "a", "# h\npara\n\n- a\n- b\n\n  c\n\n```\ncode\n\n```\n", "x[^1] y[^2] x[^1]\n\n[^2]: two\n\n[^1]: one\n    more\n",
            "[a]: /u\n\n[a] [b]\n\n[b]: /v 'title'\n", "| a | b |\n|---|---|\n| 1 | 2 |\n\nafter\n", "<pre>\n\nx\n", "<div>\nx\n\ny\n",
            "a\r\nb\r\n\r\n# c\r\n", "nul \u{0}here\n", "    indented\n\n\n    more\nend\n", "> quote\nlazy\n\n> again\n", "```\nunclosed\n\nrest\n",
        ] {
            expectJoinsToRender(markdown)
        }
    }

    @Test func fenceAndHTMLClosure() {
        #expect(renderer.parseBlocks("```\nx\n```\n").blocks.map(\.kind) == [.fencedCode])
        #expect(renderer.parseBlocks("```\nx\n").blocks.map(\.kind) == [.unclosedFencedCode])
        #expect(renderer.parseBlocks("````\nx\n```\n").blocks.map(\.kind) == [.unclosedFencedCode])
        #expect(renderer.parseBlocks("<div>\nx\n\ny\n").blocks.map(\.kind) == [.htmlBlock, .paragraph])
        #expect(renderer.parseBlocks("<pre>\nx\n").blocks.map(\.kind) == [.openHTMLBlock])
    }

    @Test(.enabled(if: SharedData.runsTests(needing: "corpus")))
    func blocksJoinToTheRenderOfEveryCorpusDocument() throws {
        for url in try SharedData.files(in: "corpus", suffixes: [".md"]) {
            expectJoinsToRender(try String(contentsOf: url, encoding: .utf8))
        }
    }
}
