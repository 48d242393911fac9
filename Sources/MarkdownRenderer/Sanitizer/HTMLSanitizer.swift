internal import CLibXML2
import Primitives

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

    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    /// Parses `html` inside `<html><body>` and hands the root element to `body`.
    private static func parse(_ html: String, _ body: (xmlNodePtr) -> Void) {
        precondition(initialized)
        let document = "<html><body>" + html + "</body></html>"
        let options = Int32(HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_NODEFDTD.rawValue)
        var copy = document
        copy.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                guard let tree = htmlReadMemory(chars.baseAddress, Int32(chars.count), nil, "UTF-8", options) else { return }
                defer { xmlFreeDoc(tree) }
                if let root = xmlDocGetRootElement(tree) { body(root) }
            }
        }
    }
}

/// Markup of our own that must survive sanitizing, each with the noncharacter that
/// stands for it meanwhile.
enum TrustedMarkup {
    /// The heading markers' characters, then the alert icons.
    static let markups: [[UInt8]] = (["\u{1}", "\u{2}"] + AlertKind.allCases.map(\.iconHTML)).map { Array($0.utf8) }
    /// U+FDD0, U+FDD1, …: one for each of ``markups``.
    static let placeholders: [[UInt8]] = markups.indices.map { Array(String(Character(Unicode.Scalar(0xFDD0 + UInt32($0))!)).utf8) }

    /// `html` with every occurrence of `patterns[i]` replaced by `replacements[i]`, in
    /// one pass over its bytes (patterns are tried at bytes that can start one). O(length).
    static func replacing(_ patterns: [[UInt8]], with replacements: [[UInt8]], in html: String) -> String {
        let firstBytes = Set(patterns.map { $0[0] })
        var copy = html
        return copy.withUTF8 { bytes -> String in
            guard bytes.contains(where: firstBytes.contains) else { return html }
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count + 64)
            var index = 0
            var copied = 0
            while index < bytes.count {
                if firstBytes.contains(bytes[index]),
                   let match = patterns.firstIndex(where: { bytes.count - index >= $0.count && UnsafeBufferPointer(rebasing: bytes[index ..< index + $0.count]).elementsEqual($0) }) {
                    result.append(contentsOf: bytes[copied ..< index])
                    result.append(contentsOf: replacements[match])
                    index += patterns[match].count
                    copied = index
                } else {
                    index += 1
                }
            }
            result.append(contentsOf: bytes[copied...])
            return String(decoding: result, as: UTF8.self)
        }
    }
}

/// Writes an allowed subset of a libxml2 tree as HTML.
private struct Serializer {
    private(set) var html = ""

    private enum Step {
        case enter(xmlNodePtr)
        case close(String)
    }

    /// Writes the sanitized content of `root`'s children (the `html` and `body` elements
    /// are transparent, `head` is dropped).
    mutating func write(children root: xmlNodePtr) {
        var steps: [Step] = []
        func push(childrenOf node: xmlNodePtr) {
            var children: [xmlNodePtr] = []
            var child = node.pointee.children
            while let current = child { children.append(current); child = current.pointee.next }
            steps.append(contentsOf: children.reversed().map(Step.enter))
        }
        push(childrenOf: root)
        while let step = steps.popLast() {
            switch step {
            case .close(let name):
                html += "</" + name + ">"
            case .enter(let node):
                switch node.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if let content = node.pointee.content { html += HTMLEscaping.escape(String(cString: content)) }
                case XML_ELEMENT_NODE:
                    let name = node.pointee.name.map { String(cString: $0).lowercased() } ?? ""
                    if HTMLAllowlist.droppedWithContent.contains(name) { continue }
                    if name == "input" && Self.attribute("type", of: node)?.lowercased() != "checkbox" { continue }
                    if HTMLAllowlist.elements.contains(name) {
                        html += "<" + name
                        writeAttributes(of: node, element: name)
                        html += ">"
                        // libxml2 does not know every void element (`source`, `wbr`):
                        // what it put inside one follows it.
                        if !HTMLAllowlist.voidElements.contains(name) { steps.append(.close(name)) }
                    }
                    push(childrenOf: node)
                case XML_ENTITY_REF_NODE:
                    if let name = node.pointee.name { html += "&amp;" + HTMLEscaping.escape(String(cString: name)) + ";" }
                default:
                    continue
                }
            }
        }
    }

    private mutating func writeAttributes(of node: xmlNodePtr, element: String) {
        var attribute = node.pointee.properties
        while let current = attribute {
            attribute = current.pointee.next
            guard let rawName = current.pointee.name else { continue }
            let name = String(cString: rawName).lowercased()
            guard HTMLAllowlist.allows(name, on: element) else { continue }
            var value = ""
            if let content = xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1) {
                value = String(cString: content)
                previewengine_xml_free(content)
            }
            // An input stays only as a checkbox (a task list item's), checked above.
            if HTMLAllowlist.urlAttributes.contains(name) && !HTMLAllowlist.isAllowedURL(value, image: element == "img") { continue }
            if name == "srcset" && !HTMLAllowlist.isAllowedSourceSet(value) { continue }
            if HTMLAllowlist.targetAttributes.contains(name) && !Self.isOwnTarget(value) {
                value = HTMLAllowlist.userContentPrefix + value
            }
            html += " " + name + "=\"" + HTMLEscaping.escape(value) + "\""
        }
    }

    /// The value of `node`'s attribute `name`, or nil without one.
    private static func attribute(_ name: String, of node: xmlNodePtr) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { previewengine_xml_free(value) }
        return String(cString: value)
    }

    /// Whether an id is one libcmark-gfm writes (footnote references and definitions)
    /// or already carries the user-content prefix.
    private static func isOwnTarget(_ value: String) -> Bool {
        value.hasPrefix(HTMLAllowlist.userContentPrefix) || value.hasPrefix("fnref-") || value.hasPrefix("fn-")
    }
}

/// The sanitized HTML of recent blocks, by their HTML before sanitizing: two generations
/// of at most ``generationBytes`` each (a lookup that hits the older one moves the entry
/// to the newer; when the newer is full it becomes the older). Lookups and stores are
/// O(length of the HTML) (hashing it) under one lock.
final class SanitizedBlocks: Sendable {
    static let shared = SanitizedBlocks()
    /// The bytes of HTML (keys and values) one generation holds.
    static let generationBytes = 8 << 20

    private struct Generations {
        var newer: [String: String] = [:]
        var older: [String: String] = [:]
        var newerBytes = 0
    }
    private let state = Locked(Generations())

    func lookup(_ html: String) -> String? {
        state.withLock { state in
            if let found = state.newer[html] { return found }
            guard let found = state.older.removeValue(forKey: html) else { return nil }
            Self.insert(found, for: html, into: &state)
            return found
        }
    }

    func store(_ sanitized: String, for html: String) {
        state.withLock { Self.insert(sanitized, for: html, into: &$0) }
    }

    private static func insert(_ sanitized: String, for html: String, into state: inout Generations) {
        let size = html.utf8.count + sanitized.utf8.count
        guard size <= generationBytes / 4 else { return }   // a huge block is not kept
        if state.newerBytes + size > generationBytes {
            state.older = state.newer
            state.newer = [:]
            state.newerBytes = 0
        }
        state.newer[html] = sanitized
        state.newerBytes += size
    }
}
