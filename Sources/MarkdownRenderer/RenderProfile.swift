/// What a render shows: libcmark-gfm's HTML as it is, or the page a reader of the
/// document on GitHub would see. `Docs/GITHUB_PROFILE.md` lists every difference.
public enum RenderProfile: String, CaseIterable, Sendable, Hashable, Codable {
    /// Exactly `cmark-gfm --validate-utf8` with the options' extensions: byte for byte.
    case cmark
    /// GitHub's reading view: front matter as a table, heading ids with anchor links,
    /// alerts, math (`$…$`, `$$…$$`, math fences) for KaTeX, on top of `cmark`.
    case github
}
