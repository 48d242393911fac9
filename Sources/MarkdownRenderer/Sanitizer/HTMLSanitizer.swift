internal import CHTMLParser

/// Keeps GitHub's subset of raw HTML (``HTMLAllowlist``) in a block's HTML.
///
/// The HTML is parsed with libxml2's HTML parser (Debian's libxml2, already a dependency
/// of every Swift toolchain on Linux, and maintained), and the tree is written out again
/// by us, never by libxml2: only allowed elements and attributes, every text and
/// attribute value escaped, no comments, and no element whose content a browser parses
/// as raw text (`script`, `style`, `textarea`, `title`, …). A browser parsing our output
/// therefore builds exactly the tree we wrote (its tokenizer never leaves the data
/// state), whatever libxml2's parse (HTML 4 rules, not HTML5's) made of the input:
/// differences between the two parsers move content, they cannot create markup.
///
/// Our own markup passes through untouched: the heading markers and the alert icons are
/// swapped for noncharacters (U+FDD0 …) that user input cannot contain (the `github`
/// profile replaces them in its input, ``InputScrub``) and swapped back afterwards.
///
/// Cost: O(length of the HTML); only blocks with raw HTML are sanitized.
enum HTMLSanitizer {
    /// `html` with only the allowed raw HTML left. Remembered (``SanitizedBlocks``): the
    /// blocks an edit re-parses around itself are mostly the same as before.
    static func sanitize(_ html: String) -> String {
        if let known = SanitizedBlocks.shared.lookup(html) { return known }
        let sanitized = sanitizeAnew(html)
        SanitizedBlocks.shared.store(sanitized, for: html)
        return sanitized
    }

    private static func sanitizeAnew(_ html: String) -> String {
        let protected = TrustedMarkup.replacing(TrustedMarkup.markups, with: TrustedMarkup.placeholders, in: html)
        var output = Serializer()
        parse(protected) { root in output.write(children: root) }
        return TrustedMarkup.replacing(TrustedMarkup.placeholders, with: TrustedMarkup.markups, in: output.html)
    }

    /// Parses `html` inside `<html><body>` and hands the root element to `body`.
    private static func parse(_ html: String, _ body: (OpaquePointer) -> Void) {
        var document = "<html><body>" + html + "</body></html>"
        document.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                guard let tree = previewengine_html_parse(chars.baseAddress, chars.count) else { return }
                defer { previewengine_html_free(tree) }
                if let root = previewengine_html_root(tree) { body(OpaquePointer(root)) }
            }
        }
    }
}

/// Writes an allowed subset of a libxml2 tree as HTML.
private struct Serializer {
    private(set) var html = ""

    private enum Step {
        case enter(OpaquePointer)
        case close(String)
    }

    /// Writes the sanitized content of `root`'s children (the `html` and `body` elements
    /// are transparent, `head` is dropped).
    mutating func write(children root: OpaquePointer) {
        var steps: [Step] = []
        func push(childrenOf node: OpaquePointer) {
            var children: [OpaquePointer] = []
            var child = previewengine_html_first_child(UnsafeMutableRawPointer(node))
            while let current = child { children.append(OpaquePointer(current)); child = previewengine_html_next(current) }
            steps.append(contentsOf: children.reversed().map(Step.enter))
        }
        push(childrenOf: root)
        while let step = steps.popLast() {
            switch step {
            case .close(let name):
                html += "</" + name + ">"
            case .enter(let node):
                let raw = UnsafeMutableRawPointer(node)
                switch Int(previewengine_html_node_kind(raw)) {
                case Int(PREVIEWENGINE_HTML_TEXT.rawValue):
                    if let content = previewengine_html_content(raw) { html += HTMLEscaping.escape(String(cString: content)) }
                case Int(PREVIEWENGINE_HTML_ELEMENT.rawValue):
                    let name = previewengine_html_name(raw).map { String(cString: $0).lowercased() } ?? ""
                    if HTMLAllowlist.droppedWithContent.contains(name) { continue }
                    // An input stays only as a checkbox (a task list item's).
                    if name == "input" && Self.property("type", of: raw)?.lowercased() != "checkbox" { continue }
                    if HTMLAllowlist.elements.contains(name) {
                        html += "<" + name
                        writeAttributes(of: raw, element: name)
                        html += ">"
                        // libxml2 does not know every void element (`source`, `wbr`):
                        // what it put inside one follows it.
                        if !HTMLAllowlist.voidElements.contains(name) { steps.append(.close(name)) }
                    }
                    push(childrenOf: node)
                case Int(PREVIEWENGINE_HTML_ENTITY.rawValue):
                    if let name = previewengine_html_name(raw) { html += "&amp;" + HTMLEscaping.escape(String(cString: name)) + ";" }
                default:
                    continue
                }
            }
        }
    }

    private mutating func writeAttributes(of node: UnsafeMutableRawPointer, element: String) {
        var attribute = previewengine_html_first_attribute(node)
        while let current = attribute {
            attribute = previewengine_html_next_attribute(current)
            guard let rawName = previewengine_html_attribute_name(current) else { continue }
            let name = String(cString: rawName).lowercased()
            guard HTMLAllowlist.allows(name, on: element) else { continue }
            var value = ""
            if let content = previewengine_html_attribute_value(node, current) {
                value = String(cString: content)
                previewengine_html_free_string(content)
            }
            if HTMLAllowlist.urlAttributes.contains(name) && !HTMLAllowlist.isAllowedURL(value, image: element == "img") { continue }
            if name == "srcset" && !HTMLAllowlist.isAllowedSourceSet(value) { continue }
            if HTMLAllowlist.targetAttributes.contains(name) && !Self.isOwnTarget(value) {
                value = HTMLAllowlist.userContentPrefix + value
            }
            html += " " + name + "=\"" + HTMLEscaping.escape(value) + "\""
        }
    }

    /// The value of `node`'s attribute `name`, or nil without one.
    private static func property(_ name: String, of node: UnsafeMutableRawPointer) -> String? {
        guard let value = previewengine_html_property(node, name) else { return nil }
        defer { previewengine_html_free_string(value) }
        return String(cString: value)
    }

    /// Whether an id is one libcmark-gfm writes (footnote references and definitions)
    /// or already carries the user-content prefix.
    private static func isOwnTarget(_ value: String) -> Bool {
        value.hasPrefix(HTMLAllowlist.userContentPrefix) || value.hasPrefix("fnref-") || value.hasPrefix("fn-")
    }
}
