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
