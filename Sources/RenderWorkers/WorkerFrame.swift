package import MarkdownRenderer

/// The messages between the engine and a render worker process, one frame each on a
/// pipe: a 4-byte little-endian payload length, then the payload.
///
/// - A request is one byte of kind (``RequestKind``: `1` HTML, `2` blocks), 4 bytes of
///   options (ten option bits, the last the github profile, then one bit per GFM extension in
///   `GFMExtension.allCases` order), then the Markdown text as UTF-8.
/// - A reply is one byte of status (`0`, rendered), then the HTML as UTF-8, or the
///   blocks as ``encode(_:)`` writes them.
///
/// Decoding never traps: a frame longer than the limit, an unknown kind or a short
/// payload is a ``WorkerFrame/DecodingError``.
package enum WorkerFrame {
    /// The one byte a worker writes when it is ready to serve, before any reply: a
    /// render's deadline starts after it, so a worker's start-up is not charged to the
    /// document.
    package static let ready: UInt8 = 0x2A

    /// The longest payload either side accepts (256 MiB).
    package static let maxPayloadLength = 256 << 20

    /// What a request asks for.
    package enum RequestKind: UInt8, Sendable {
        /// The HTML of the whole text.
        case html = 1
        /// `MarkdownRenderer.parseBlocks`: the top-level blocks and the footnote section.
        case blocks = 2
    }

    /// Why bytes are not a valid frame.
    package enum DecodingError: Error, Equatable {
        /// The length prefix exceeds ``maxPayloadLength``.
        case tooLong(Int)
        /// The payload is too short for its header.
        case truncated
        /// The first payload byte is not a known kind or status.
        case unknownKind(UInt8)
    }

    /// The first 9 bytes of a request frame (length, kind, options); the Markdown bytes
    /// (any bytes: the worker repairs invalid UTF-8 as `MarkdownRenderer.render(bytes:)`
    /// does) follow, so a large text is written without being copied into a frame.
    package static func requestHeader(markdownLength: Int, options: RenderOptions, kind: RequestKind = .html) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(requestHeaderLength)
        appendLittleEndian(UInt32(5 + markdownLength), to: &bytes)
        bytes.append(kind.rawValue)
        appendLittleEndian(encode(options), to: &bytes)
        return bytes
    }

    /// The length of ``requestHeader(markdownLength:options:)``.
    package static let requestHeaderLength = 9

    /// The first 5 bytes of a reply frame (length, status); the HTML follows.
    package static func replyHeader(htmlLength: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(5)
        appendLittleEndian(UInt32(1 + htmlLength), to: &bytes)
        bytes.append(0)
        return bytes
    }

    /// The length of the HTML that follows the 5-byte reply header `header`.
    package static func replyLength(header: [UInt8]) throws(DecodingError) -> Int {
        guard header.count == 5 else { throw .truncated }
        let length = try payloadLength(prefix: header[0..<4])
        guard length >= 1 else { throw .truncated }
        guard header[4] == 0 else { throw .unknownKind(header[4]) }
        return length - 1
    }

    /// The Markdown length, options and kind a 9-byte request header announces.
    package static func decodeRequestHeader(_ header: [UInt8]) throws(DecodingError) -> (markdownLength: Int, options: RenderOptions, kind: RequestKind) {
        guard header.count == requestHeaderLength else { throw .truncated }
        let length = try payloadLength(prefix: header[0..<4])
        guard length >= 5 else { throw .truncated }
        guard let kind = RequestKind(rawValue: header[4]) else { throw .unknownKind(header[4]) }
        var bits: UInt32 = 0
        for index in 0..<4 { bits |= UInt32(header[5 + index]) << (8 * index) }
        return (length - 5, decode(bits), kind)
    }

    /// The payload of a blocks reply: the block count, then per block its kind, first
    /// and last line, and HTML, then the footnote section (integers 4 bytes, little
    /// endian; strings length-prefixed).
    package static func encode(_ parse: BlockParse) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(parse.blocks.reduce(8 + parse.footnotes.utf8.count) { $0 + 13 + $1.html.utf8.count })
        appendLittleEndian(UInt32(parse.blocks.count), to: &bytes)
        for block in parse.blocks {
            bytes.append(block.kind.rawValue)
            appendLittleEndian(UInt32(block.lines.lowerBound), to: &bytes)
            appendLittleEndian(UInt32(block.lines.upperBound), to: &bytes)
            appendLittleEndian(UInt32(block.html.utf8.count), to: &bytes)
            bytes += block.html.utf8
        }
        appendLittleEndian(UInt32(parse.footnotes.utf8.count), to: &bytes)
        bytes += parse.footnotes.utf8
        return bytes
    }

    /// The blocks ``encode(_:)`` wrote.
    package static func decodeBlocks(_ bytes: [UInt8]) throws(DecodingError) -> BlockParse {
        var position = 0
        func integer() throws(DecodingError) -> Int {
            guard position + 4 <= bytes.count else { throw .truncated }
            defer { position += 4 }
            return (0 ..< 4).reduce(0) { $0 | Int(bytes[position + $1]) << (8 * $1) }
        }
        func string() throws(DecodingError) -> String {
            let length = try integer()
            guard position + length <= bytes.count else { throw .truncated }
            defer { position += length }
            return bytes[position ..< position + length].withUnsafeBufferPointer(MarkdownRenderer.string(fromValidUTF8:))
        }
        let count = try integer()
        var blocks: [ParsedBlock] = []
        blocks.reserveCapacity(min(count, bytes.count / 13))
        for _ in 0 ..< count {
            guard position < bytes.count else { throw .truncated }
            guard let kind = BlockKind(rawValue: bytes[position]) else { throw .unknownKind(bytes[position]) }
            position += 1
            let first = try integer()
            let last = try integer()
            guard first <= last else { throw .truncated }
            blocks.append(ParsedBlock(kind: kind, lines: first ... last, html: try string()))
        }
        return BlockParse(blocks: blocks, footnotes: try string())
    }

    /// The payload length a 4-byte prefix announces.
    package static func payloadLength(prefix: some Collection<UInt8>) throws(DecodingError) -> Int {
        guard prefix.count == 4 else { throw .truncated }
        var length = 0
        for (index, byte) in prefix.enumerated() { length |= Int(byte) << (8 * index) }
        guard length <= maxPayloadLength else { throw .tooLong(length) }
        return length
    }

    private static func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        for index in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }

    private static var optionKeyPaths: [WritableKeyPath<RenderOptions, Bool>] { [
        \.allowsUnsafeHTML, \.sourcePositions, \.smartPunctuation, \.hardBreaks, \.noBreaks,
        \.githubPreLang, \.fullInfoString, \.tablePreferStyleAttributes, \.strikethroughDoubleTilde, \.isGitHubProfile,
    ] }

    private static func encode(_ options: RenderOptions) -> UInt32 {
        var bits: UInt32 = 0
        for (index, keyPath) in optionKeyPaths.enumerated() where options[keyPath: keyPath] { bits |= 1 << index }
        for (index, gfm) in GFMExtension.allCases.enumerated() where options.extensions.contains(gfm) {
            bits |= 1 << (optionKeyPaths.count + index)
        }
        return bits
    }

    private static func decode(_ bits: UInt32) -> RenderOptions {
        var options = RenderOptions.default
        for (index, keyPath) in optionKeyPaths.enumerated() { options[keyPath: keyPath] = bits & (1 << index) != 0 }
        options.extensions = Set(GFMExtension.allCases.enumerated().compactMap { index, gfm in
            bits & (1 << (optionKeyPaths.count + index)) != 0 ? gfm : nil
        })
        return options
    }
}
