internal import CCmarkGFM
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders Markdown to HTML with libcmark-gfm.
///
/// A renderer is a value: it holds only its options, and any number of threads may use
/// one renderer, or many, at once. The output is byte for byte what the `cmark-gfm`
/// command-line tool prints for the same options with `--validate-utf8`: invalid UTF-8
/// and NUL bytes become U+FFFD, and the result is always valid UTF-8.
///
/// Thread safety: Debian's libcmark-gfm keeps the inline parser's special-character
/// tables in process globals that each parse with extensions writes to, so two parses
/// at once can lose autolinks. Every parse therefore runs under one process-wide lock;
/// rendering the finished tree to HTML touches no shared state and runs outside it.
/// The process-global arena allocator is never used.
public struct MarkdownRenderer: Sendable {
    /// The options this renderer applies.
    public let options: RenderOptions

    /// The version of the libcmark-gfm this process loaded, e.g. `0.29.0.gfm.6`.
    public static var libraryVersion: String { String(cString: cmark_version_string()) }

    /// Creates a renderer with the given options.
    public init(options: RenderOptions = .default) {
        self.options = options
    }

    /// Renders `markdown` to an HTML fragment.
    public func render(_ markdown: String) -> String {
        var markdown = markdown
        return markdown.withUTF8 { input in withHTML(of: input, Self.string(fromValidUTF8:)) }
    }

    /// Renders raw bytes (any encoding errors included) to an HTML fragment.
    ///
    /// Invalid UTF-8 sequences and NUL bytes are replaced with U+FFFD, as the
    /// reference `cmark-gfm --validate-utf8` does.
    public func render<Bytes: Sequence<UInt8>>(bytes: Bytes) -> String {
        withContiguousBytes(bytes) { input in withHTML(of: input, Self.string(fromValidUTF8:)) }
    }

    /// A `String` of HTML that libcmark-gfm produced with `CMARK_OPT_VALIDATE_UTF8`.
    ///
    /// `String(decoding:as:)` validates byte by byte once it meets a non-ASCII byte, but
    /// takes a word-at-a-time path for all-ASCII input. HTML is mostly ASCII, so it is
    /// decoded in slices cut at scalar boundaries: the ASCII slices take the fast path.
    /// The result is the same string (invalid input would still be repaired per slice).
    package static func string(fromValidUTF8 bytes: UnsafeBufferPointer<UInt8>) -> String {
        let sliceLength = 4096
        guard bytes.count > sliceLength else { return String(decoding: bytes, as: UTF8.self) }
        var result = String()
        result.reserveCapacity(bytes.count)
        var start = 0
        while start < bytes.count {
            var end = min(start + sliceLength, bytes.count)
            // Do not cut a multi-byte sequence: back up over continuation bytes.
            while end < bytes.count && end > start && bytes[end] & 0xC0 == 0x80 { end -= 1 }
            result.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
            start = end
        }
        return result
    }

    /// Renders `markdown` to the UTF-8 bytes of an HTML fragment.
    ///
    /// The fastest path: it skips building a `String` (whose UTF-8 validation costs
    /// about 5% of a render). The bytes are always valid UTF-8.
    public func renderUTF8(_ markdown: String) -> [UInt8] {
        var markdown = markdown
        return markdown.withUTF8 { input in withHTML(of: input) { Array($0) } }
    }

    /// Renders raw bytes to the UTF-8 bytes of an HTML fragment; invalid UTF-8 and NUL
    /// bytes become U+FFFD.
    public func renderUTF8<Bytes: Sequence<UInt8>>(bytes: Bytes) -> [UInt8] {
        withContiguousBytes(bytes) { input in withHTML(of: input) { Array($0) } }
    }

    /// Renders `input` and hands the HTML bytes (valid UTF-8, owned by libcmark-gfm) to
    /// `body` before freeing them: a render worker writes them out without a copy.
    package func withRenderedUTF8<Result>(of input: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withHTML(of: input, body)
    }

    private func withContiguousBytes<Bytes: Sequence<UInt8>, Result>(
        _ bytes: Bytes, _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        if let result = bytes.withContiguousStorageIfAvailable(body) {
            return result
        }
        return Array(bytes).withUnsafeBufferPointer(body)
    }

    /// Parses and renders `input`, handing the C buffer of HTML to `body` before freeing it.
    private func withHTML<Result>(of input: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if options.profile == .github {
            var html = parseDocument(utf8: input).html
            return html.withUTF8(body)
        }
        return withParsedDocument(of: input) { document, extensions in
            // Render outside the lock: the tree and the extension list are ours alone.
            let html = cmark_render_html(document, options.cmarkFlags, extensions)!
            defer { free(html) }
            return html.withMemoryRebound(to: UInt8.self, capacity: 1) { bytes in
                body(UnsafeBufferPointer(start: bytes, count: strlen(html)))
            }
        }
    }

    /// Parses `input` under the process-wide lock and hands the finished document (and
    /// the parser's extension list, for rendering) to `body`, outside the lock, before
    /// freeing both.
    func withParsedDocument<Result>(
        of input: UnsafeBufferPointer<UInt8>, _ body: (OpaquePointer, UnsafeMutablePointer<cmark_llist>?) -> Result
    ) -> Result {
        let cOptions = options.cmarkFlags
        let extensions = CmarkExtensions.shared.pointers(for: options)

        // Parse under the process-wide lock (libcmark-gfm's inline tables are global).
        let parsed = CmarkExtensions.parseLock.withLock { _ -> ParsedTree in
            let parser = cmark_parser_new(cOptions)!
            for extensionPointer in extensions {
                cmark_parser_attach_syntax_extension(parser, extensionPointer)
            }
            input.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress, !chars.isEmpty {
                    cmark_parser_feed(parser, base, chars.count)
                }
            }
            return ParsedTree(parser: parser, document: cmark_parser_finish(parser)!)
        }
        defer {
            cmark_node_free(parsed.document)
            cmark_parser_free(parsed.parser)
        }
        return body(parsed.document, cmark_parser_get_syntax_extensions(parsed.parser))
    }
}

extension RenderOptions {
    /// The libcmark-gfm option bits these options stand for.
    var cmarkFlags: Int32 {
        var flags = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8
        if allowsUnsafeHTML { flags |= CMARK_OPT_UNSAFE }
        if sourcePositions { flags |= CMARK_OPT_SOURCEPOS }
        if smartPunctuation { flags |= CMARK_OPT_SMART }
        if hardBreaks { flags |= CMARK_OPT_HARDBREAKS }
        if noBreaks { flags |= CMARK_OPT_NOBREAKS }
        if githubPreLang { flags |= CMARK_OPT_GITHUB_PRE_LANG }
        if fullInfoString { flags |= CMARK_OPT_FULL_INFO_STRING }
        if tablePreferStyleAttributes { flags |= CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES }
        if strikethroughDoubleTilde { flags |= CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE }
        if extensions.contains(.footnotes) { flags |= CMARK_OPT_FOOTNOTES }
        return flags
    }
}

/// A parser and the tree it finished: owned by the one call that made them.
private struct ParsedTree: @unchecked Sendable {
    let parser: OpaquePointer
    let document: OpaquePointer
}
