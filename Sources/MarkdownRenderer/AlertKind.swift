/// The five GitHub alerts (`> [!NOTE]` …), with the markup GitHub gives them: a `div`
/// of class `markdown-alert markdown-alert-KIND` that starts with a title paragraph
/// holding an icon. The icons are our own 16×16 drawings.
enum AlertKind: String, CaseIterable {
    case note, tip, important, warning, caution

    /// The kind a first line such as `[!NOTE]` names (letters in any case), or nil.
    init?(marker: Substring) {
        guard marker.hasPrefix("[!"), marker.hasSuffix("]") else { return nil }
        self.init(rawValue: marker.dropFirst(2).dropLast().lowercased())
    }

    /// The title GitHub shows.
    var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

    /// The alert's opening markup, up to its content.
    var openingHTML: String {
        #"<div class="markdown-alert markdown-alert-\#(rawValue)">"# + "\n"
            + #"<p class="markdown-alert-title">"# + iconHTML + title + "</p>"
    }

    /// The kind's icon, an inline SVG.
    var iconHTML: String {
        #"<svg class="alert-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">"# + icon + "</svg>"
    }

    private var icon: String {
        let outline = #"fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round""#
        switch self {
        case .note:
            return #"<circle cx="8" cy="8" r="6.25" \#(outline)/><rect x="7.25" y="7" width="1.5" height="4.5" rx=".75" fill="currentColor"/><circle cx="8" cy="4.75" r="1" fill="currentColor"/>"#
        case .tip:
            return #"<path d="M8 1.5a4.5 4.5 0 0 0-2.6 8.2c.4.3.6.7.6 1.2V12h4v-1.1c0-.5.2-.9.6-1.2A4.5 4.5 0 0 0 8 1.5z" \#(outline)/><rect x="6" y="13" width="4" height="1.5" rx=".75" fill="currentColor"/>"#
        case .important:
            return #"<path d="M2 2.5h12v8.5H8l-3 2.5V11H2z" \#(outline)/><rect x="7.25" y="4.25" width="1.5" height="3.5" rx=".75" fill="currentColor"/><circle cx="8" cy="9.25" r=".9" fill="currentColor"/>"#
        case .warning:
            return #"<path d="M8 1.75 15 14.25H1z" \#(outline)/><rect x="7.25" y="5.75" width="1.5" height="4.5" rx=".75" fill="currentColor"/><circle cx="8" cy="12" r=".9" fill="currentColor"/>"#
        case .caution:
            return #"<path d="M5.2 1.5h5.6l3.7 3.7v5.6l-3.7 3.7H5.2l-3.7-3.7V5.2z" \#(outline)/><rect x="7.25" y="4.5" width="1.5" height="4.5" rx=".75" fill="currentColor"/><circle cx="8" cy="11.25" r=".9" fill="currentColor"/>"#
        }
    }
}
