import MarkdownRenderer
@testable import RenderWorkers
import Testing

@Suite("render workers: frames")
struct WorkerFrameTests {
    @Test("a request carries every option and extension and the exact text")
    func requestRoundTrip() throws {
        var options = RenderOptions.default
        options.smartPunctuation = true
        options.strikethroughDoubleTilde = true
        options.extensions = [.table, .footnotes]
        let frame = WorkerFrame.request(markdown: Array("# Hi é\u{0}".utf8), options: options)
        let length = try WorkerFrame.payloadLength(prefix: frame.prefix(4))
        #expect(length == frame.count - 4)
        let decoded = try WorkerFrame.decodeRequest(Array(frame.dropFirst(4)))
        #expect(decoded.options == options)
        #expect(decoded.text == Array("# Hi é\u{0}".utf8))
        let plain = try WorkerFrame.decodeRequest(Array(WorkerFrame.request(markdown: [UInt8](), options: .default).dropFirst(4)))
        #expect(plain.options == .default && plain.text.isEmpty)
    }

    @Test("bad frames are errors, never traps")
    func badFrames() {
        #expect(throws: WorkerFrame.DecodingError.tooLong(0xFFFF_FFFF)) { try WorkerFrame.payloadLength(prefix: [0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: WorkerFrame.DecodingError.truncated) { try WorkerFrame.payloadLength(prefix: [1, 0]) }
        #expect(throws: WorkerFrame.DecodingError.truncated) { try WorkerFrame.decodeRequest([1, 0]) }
        #expect(throws: WorkerFrame.DecodingError.unknownKind(9)) { try WorkerFrame.decodeRequest([9, 0, 0, 0, 0]) }
        #expect(throws: WorkerFrame.DecodingError.truncated) { try WorkerFrame.decodeReply([]) }
    }

    @Test("a reply carries the HTML")
    func reply() throws {
        let frame = WorkerFrame.reply(html: Array("<p>é</p>\n".utf8))
        #expect(try Array(WorkerFrame.decodeReply(Array(frame.dropFirst(4)))) == Array("<p>é</p>\n".utf8))
    }
}
