/// Finds markup in HTML that could run script or fetch something without a click: a
/// small tag scanner (tests only) that reads every start tag's name and attributes.
public enum ExecutableMarkup {
    private static let forbiddenElements: Set<String> = [
        "script", "iframe", "frame", "object", "embed", "style", "link", "meta", "base", "form", "math",
        "template", "noscript", "textarea", "xmp", "title", "applet", "video", "audio", "isindex", "marquee", "animate", "set",
        "foreignobject", "button",
    ]
    private static let urlAttributes: Set<String> = ["href", "src", "srcset", "action", "formaction", "data", "poster", "background", "xlink:href", "cite"]
    private static let ownIconElements: Set<String> = ["svg", "path", "circle", "rect"]

    /// What is wrong with `html`: one line per executable element, attribute or URL.
    public static func problems(in html: String) -> [String] {
        var problems: [String] = []
        let scalars = Array(html.unicodeScalars)
        var index = 0
        var inOwnIcon = false
        while index < scalars.count {
            guard scalars[index] == "<", index + 1 < scalars.count else { index += 1; continue }
            if scalars[index + 1] == "/" {
                let name = readName(scalars, from: index + 2).name
                if name == "svg" { inOwnIcon = false }
                index += 2
                continue
            }
            guard scalars[index + 1].properties.isAlphabetic else { index += 1; continue }
            let (name, afterName) = readName(scalars, from: index + 1)
            let (attributes, end) = readAttributes(scalars, from: afterName)
            index = end
            if name == "svg" && attributes.contains(where: { $0.name == "class" && $0.value == "alert-icon" }) { inOwnIcon = true }
            if forbiddenElements.contains(name) || (ownIconElements.contains(name) && !inOwnIcon) { problems.append("element <\(name)>") }
            if name == "input" && attributes.first(where: { $0.name == "type" })?.value.lowercased() != "checkbox" { problems.append("input that is not a checkbox") }
            for attribute in attributes {
                if attribute.name.hasPrefix("on") || ["style", "srcdoc", "autofocus"].contains(attribute.name) {
                    problems.append("attribute \(attribute.name) on <\(name)>")
                }
                if urlAttributes.contains(attribute.name), isDangerousURL(attribute.value) {
                    problems.append("URL \(attribute.name)=\(attribute.value) on <\(name)>")
                }
                let isHeading = name.count == 2 && name.hasPrefix("h") && name.last!.isNumber
                if ["id", "name"].contains(attribute.name), !isHeading, !attribute.value.hasPrefix("user-content-"), !attribute.value.hasPrefix("fn") {
                    problems.append("unprefixed \(attribute.name)=\(attribute.value) (DOM clobbering)")
                }
            }
        }
        return problems
    }

    private static func readName(_ s: [Unicode.Scalar], from start: Int) -> (name: String, end: Int) {
        var end = start
        var name = ""
        while end < s.count, !" \t\n\r\u{C}/>".unicodeScalars.contains(s[end]) { name.unicodeScalars.append(s[end]); end += 1 }
        return (name.lowercased(), end)
    }

    private static func readAttributes(_ s: [Unicode.Scalar], from start: Int) -> ([(name: String, value: String)], Int) {
        var attributes: [(name: String, value: String)] = []
        var index = start
        func skipSpace() { while index < s.count, " \t\n\r\u{C}/".unicodeScalars.contains(s[index]) { index += 1 } }
        while true {
            skipSpace()
            guard index < s.count, s[index] != ">" else { return (attributes, index + 1) }
            var name = ""
            while index < s.count, !" \t\n\r\u{C}/>=".unicodeScalars.contains(s[index]) { name.unicodeScalars.append(s[index]); index += 1 }
            var value = ""
            while index < s.count, " \t\n\r\u{C}".unicodeScalars.contains(s[index]) { index += 1 }
            if index < s.count, s[index] == "=" {
                index += 1
                while index < s.count, " \t\n\r\u{C}".unicodeScalars.contains(s[index]) { index += 1 }
                if index < s.count, s[index] == "\"" || s[index] == "'" {
                    let quote = s[index]
                    index += 1
                    while index < s.count, s[index] != quote { value.unicodeScalars.append(s[index]); index += 1 }
                    index += 1
                } else {
                    while index < s.count, !" \t\n\r\u{C}>".unicodeScalars.contains(s[index]) { value.unicodeScalars.append(s[index]); index += 1 }
                }
            }
            if !name.isEmpty { attributes.append((name.lowercased(), decodeReferences(value))) }
        }
    }

    /// `value` with numeric and the usual named character references decoded.
    private static func decodeReferences(_ value: String) -> String {
        var result = ""
        var rest = Substring(value)
        let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "colon": ":", "tab": "\t", "newline": "\n", "sol": "/"]
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            rest = rest[rest.index(after: ampersand)...]
            let body = rest.prefix { $0 != ";" && $0 != "&" && $0 != " " }
            var decoded: String?
            if body.hasPrefix("#x") || body.hasPrefix("#X") {
                decoded = UInt32(body.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else if body.hasPrefix("#") {
                decoded = UInt32(body.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else {
                decoded = named[body.lowercased()]
            }
            if let decoded {
                result += decoded
                rest = rest.dropFirst(body.count)
                if rest.first == ";" { rest = rest.dropFirst() }
            } else {
                result += "&"
            }
        }
        return result + rest
    }

    private static func isDangerousURL(_ value: String) -> Bool {
        let compact = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value > 0x20 })).lowercased()
        if compact.hasPrefix("javascript:") || compact.hasPrefix("vbscript:") || compact.hasPrefix("file:") { return true }
        if compact.hasPrefix("data:") { return !["data:image/png", "data:image/gif", "data:image/jpeg", "data:image/webp"].contains { compact.hasPrefix($0) } }
        return compact.contains("javascript:")
    }
}
