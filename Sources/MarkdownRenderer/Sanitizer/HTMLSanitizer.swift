internal import CLibXML2

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
    /// `html` with only the allowed raw HTML left.
    static func sanitize(_ html: String) -> String {
        var protected = html
        for (markup, placeholder) in TrustedMarkup.pairs where protected.contains(markup) {
            protected = protected.replacing(markup, with: placeholder)
        }
        var output = Serializer()
        parse(protected) { root in output.write(children: root) }
        var result = output.html
        for (markup, placeholder) in TrustedMarkup.pairs where result.contains(placeholder) {
            result = result.replacing(placeholder, with: markup)
        }
        return result
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
    static let pairs: [(markup: String, placeholder: String)] =
        (["\u{1}", "\u{2}"] + AlertKind.allCases.map(\.iconHTML)).enumerated().map { index, markup in
            (markup, String(Character(Unicode.Scalar(0xFDD0 + UInt32(index))!)))
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
