package import MarkdownRenderer

/// The messages between the engine and a render worker process, one frame each on a
/// pipe: a 4-byte little-endian payload length, then the payload.
///
/// - A request is one byte of kind (`1`, render), 4 bytes of options (nine option bits,
///   then one bit per GFM extension in `GFMExtension.allCases` order), then the
///   Markdown text as UTF-8.
/// - A reply is one byte of status (`0`, rendered), then the HTML as UTF-8.
///
/// Decoding never traps: a frame longer than the limit, an unknown kind or a short
/// payload is a ``WorkerFrame/DecodingError``.
package enum WorkerFrame {
    /// The longest payload either side accepts (256 MiB).
    package static let maxPayloadLength = 256 << 20

    /// Why bytes are not a valid frame.
    package enum DecodingError: Error, Equatable {
        /// The length prefix exceeds ``maxPayloadLength``.
        case tooLong(Int)
        /// The payload is too short for its header.
        case truncated
        /// The first payload byte is not a known kind or status.
        case unknownKind(UInt8)
    }

    /// One render: the options and the Markdown text (any bytes; the worker repairs
    /// invalid UTF-8 as `MarkdownRenderer.render(bytes:)` does).
    package static func request(markdown: some Collection<UInt8>, options: RenderOptions) -> [UInt8] {
        var payload: [UInt8] = [1]
        payload.reserveCapacity(5 + markdown.count)
        appendLittleEndian(encode(options), to: &payload)
        payload.append(contentsOf: markdown)
        return framed(payload)
    }

    /// A reply with the rendered HTML (valid UTF-8).
    package static func reply(html: some Collection<UInt8>) -> [UInt8] {
        var payload: [UInt8] = [0]
        payload.reserveCapacity(1 + html.count)
        payload.append(contentsOf: html)
        return framed(payload)
    }

    /// The payload length a 4-byte prefix announces.
    package static func payloadLength(prefix: some Collection<UInt8>) throws(DecodingError) -> Int {
        guard prefix.count == 4 else { throw .truncated }
        var length = 0
        for (index, byte) in prefix.enumerated() { length |= Int(byte) << (8 * index) }
        guard length <= maxPayloadLength else { throw .tooLong(length) }
        return length
    }

    /// The options and text of a request payload (without its length prefix).
    package static func decodeRequest(_ payload: [UInt8]) throws(DecodingError) -> (options: RenderOptions, text: [UInt8]) {
        guard let kind = payload.first else { throw .truncated }
        guard kind == 1 else { throw .unknownKind(kind) }
        guard payload.count >= 5 else { throw .truncated }
        var bits: UInt32 = 0
        for index in 0..<4 { bits |= UInt32(payload[1 + index]) << (8 * index) }
        return (decode(bits), Array(payload[5...]))
    }

    /// The HTML bytes of a reply payload (without its length prefix).
    package static func decodeReply(_ payload: [UInt8]) throws(DecodingError) -> ArraySlice<UInt8> {
        guard let status = payload.first else { throw .truncated }
        guard status == 0 else { throw .unknownKind(status) }
        return payload[1...]
    }

    private static func framed(_ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + payload.count)
        appendLittleEndian(UInt32(payload.count), to: &bytes)
        bytes.append(contentsOf: payload)
        return bytes
    }

    private static func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        for index in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }

    private static var optionKeyPaths: [WritableKeyPath<RenderOptions, Bool>] { [
        \.allowsUnsafeHTML, \.sourcePositions, \.smartPunctuation, \.hardBreaks, \.noBreaks,
        \.githubPreLang, \.fullInfoString, \.tablePreferStyleAttributes, \.strikethroughDoubleTilde,
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
