import MarkdownRenderer
@testable import RenderWorkers
import Testing

/// The frame headers the worker and the parent exchange (the bytes after a header are
/// the text or the HTML as they are; `RenderWorkerPoolTests` checks them end to end).
@Suite("render workers: frames")
struct WorkerFrameTests {
    @Test("a request header carries every option and extension and the text's length")
    func requestRoundTrip() throws {
        var options = RenderOptions.default
        options.smartPunctuation = true
        options.strikethroughDoubleTilde = true
        options.extensions = [.table, .footnotes]
        let text = Array("# Hi é\u{0}".utf8)
        let header = WorkerFrame.requestHeader(markdownLength: text.count, options: options)
        #expect(header.count == WorkerFrame.requestHeaderLength)
        #expect(try WorkerFrame.payloadLength(prefix: header.prefix(4)) == 5 + text.count, "kind, options, then the text")
        let decoded = try WorkerFrame.decodeRequestHeader(header)
        #expect(decoded.options == options)
        #expect(decoded.markdownLength == text.count)
        let plain = try WorkerFrame.decodeRequestHeader(WorkerFrame.requestHeader(markdownLength: 0, options: .default))
        #expect(plain.options == .default && plain.markdownLength == 0 && plain.kind == .html)
        let blocks = try WorkerFrame.decodeRequestHeader(WorkerFrame.requestHeader(markdownLength: 3, options: .default, kind: .blocks))
        #expect(blocks.kind == .blocks)
    }

    @Test("blocks survive the round trip, and truncated blocks are errors")
    func blocksRoundTrip() throws {
        let parse = MarkdownRenderer().parseBlocks("# é\n\n- a\n- b\n\nx[^1]\n\n[^1]: note\n")
        let bytes = WorkerFrame.encode(parse)
        #expect(try WorkerFrame.decodeBlocks(bytes) == parse)
        for cut in [0, 3, 5, 12, bytes.count - 1] {
            #expect(throws: WorkerFrame.DecodingError.self) { try WorkerFrame.decodeBlocks(Array(bytes.prefix(cut))) }
        }
    }

    @Test("bad frames are errors, never traps")
    func badFrames() {
        #expect(throws: WorkerFrame.DecodingError.tooLong(0xFFFF_FFFF)) { try WorkerFrame.payloadLength(prefix: [0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: WorkerFrame.DecodingError.truncated) { try WorkerFrame.payloadLength(prefix: [1, 0]) }
        #expect(throws: WorkerFrame.DecodingError.truncated) { try WorkerFrame.decodeRequestHeader([1, 0]) }
        #expect(throws: WorkerFrame.DecodingError.truncated) { try WorkerFrame.decodeRequestHeader([4, 0, 0, 0, 1, 0, 0, 0, 0]) }
        #expect(throws: WorkerFrame.DecodingError.unknownKind(9)) { try WorkerFrame.decodeRequestHeader([5, 0, 0, 0, 9, 0, 0, 0, 0]) }
        #expect(throws: WorkerFrame.DecodingError.truncated) { try WorkerFrame.replyLength(header: []) }
        #expect(throws: WorkerFrame.DecodingError.truncated) { try WorkerFrame.replyLength(header: [0, 0, 0, 0, 0]) }
        #expect(throws: WorkerFrame.DecodingError.unknownKind(3)) { try WorkerFrame.replyLength(header: [1, 0, 0, 0, 3]) }
    }

    @Test("a reply header announces the HTML's length")
    func reply() throws {
        let html = Array("<p>é</p>\n".utf8)
        #expect(try WorkerFrame.replyLength(header: WorkerFrame.replyHeader(htmlLength: html.count)) == html.count)
        #expect(try WorkerFrame.replyLength(header: WorkerFrame.replyHeader(htmlLength: 0)) == 0)
    }
}
