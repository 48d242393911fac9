/// A block's HTML as the `github` profile's parse leaves it: each heading's opening tag
/// is followed by a marker that holds its base slug (U+0001, the slug, U+0002), which
/// ``finalize(_:ids:)`` replaces by the heading's id and anchor link once the ids of
/// the whole document are known (duplicates are numbered in document order, so a
/// block's ids depend on the blocks before it).
///
/// The marker follows the `>` of the `<hN …>` tag that libcmark-gfm writes. Text never
/// produces `>` unescaped, so only raw HTML (`--unsafe`) could imitate it.
public enum HeadingTemplate {
    static let open: UInt8 = 0x01
    static let close: UInt8 = 0x02

    static func marker(slug: String) -> String { "\u{1}" + slug + "\u{2}" }

    /// Whether `html` holds a heading marker. O(length) (one byte search).
    public static func hasHeadings(_ html: String) -> Bool {
        html.utf8.withContiguousStorageIfAvailable { $0.contains(open) } ?? html.utf8.contains(open)
    }

    /// The base slugs of the headings in `html`, in order. O(length).
    public static func slugs(in html: String) -> [String] {
        var slugs: [String] = []
        let bytes = Array(html.utf8)
        var index = 0
        while let start = bytes[index...].firstIndex(of: open) {
            guard let end = bytes[(start + 1)...].firstIndex(of: close) else { break }
            slugs.append(String(decoding: bytes[(start + 1) ..< end], as: UTF8.self))
            index = end + 1
        }
        return slugs
    }

    /// `html` with its markers replaced, in order, by `ids`: the heading gets
    /// `id="ID"` and starts with `<a class="anchor" href="#ID" aria-label="Link to this
    /// section"></a>` (an empty id gets neither). `ids` has one id per marker.
    public static func finalize(_ html: String, ids: [String]) -> String {
        guard hasHeadings(html) else { return html }
        let bytes = Array(html.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + ids.count * 96)
        var index = 0
        var next = 0
        while let start = bytes[index...].firstIndex(of: open), let end = bytes[(start + 1)...].firstIndex(of: close) {
            let id = next < ids.count ? ids[next] : ""
            next += 1
            if id.isEmpty || start == 0 || bytes[start - 1] != UInt8(ascii: ">") {
                result.append(contentsOf: bytes[index ..< start])
            } else {
                result.append(contentsOf: bytes[index ..< (start - 1)])
                result.append(contentsOf: ##" id="\##(id)"><a class="anchor" href="#\##(id)" aria-label="Link to this section"></a>"##.utf8)
            }
            index = end + 1
        }
        result.append(contentsOf: bytes[index...])
        return String(decoding: result, as: UTF8.self)
    }
}
