/// A GitHub Flavored Markdown extension of libcmark-gfm.
public enum GFMExtension: String, CaseIterable, Sendable, Hashable, Codable {
    /// Pipe tables.
    case table
    /// `~text~` and `~~text~~` strikethrough.
    case strikethrough
    /// Bare `www.` and `https://` links and e-mail addresses become links.
    case autolink
    /// Escapes the raw HTML tags GitHub disallows (`<script>`, `<iframe>`, ...).
    case tagfilter
    /// `- [ ]` and `- [x]` task list items.
    case tasklist
    /// `[^1]` footnote references and definitions.
    case footnotes
}

/// How Markdown is turned into HTML. The default is GitHub Flavored Markdown with every
/// extension on, safe output, and nothing else.
public struct RenderOptions: Sendable, Hashable, Codable {
    /// What the render shows beyond libcmark-gfm's HTML. Default: ``RenderProfile/cmark``.
    public var profile: RenderProfile
    /// The GFM extensions to enable. Default: all of them.
    public var extensions: Set<GFMExtension>
    /// Emit raw HTML and `javascript:`/`vbscript:`/`file:`/`data:` URLs as written.
    /// Off (safe) by default: raw HTML becomes a comment and dangerous URLs are emptied.
    public var allowsUnsafeHTML: Bool
    /// Add `data-sourcepos="line:col-line:col"` attributes to block elements.
    public var sourcePositions: Bool
    /// Turn straight quotes, `--` and `...` into typographic punctuation.
    public var smartPunctuation: Bool
    /// Render soft line breaks as `<br />`.
    public var hardBreaks: Bool
    /// Render soft line breaks as spaces.
    public var noBreaks: Bool
    /// Use `<pre lang="x"><code>` instead of `<pre><code class="language-x">`.
    public var githubPreLang: Bool
    /// Keep the rest of a code block's info string in a `data-meta` attribute.
    public var fullInfoString: Bool
    /// Align table cells with `style="text-align: ..."` instead of `align="..."`.
    public var tablePreferStyleAttributes: Bool
    /// Parse strikethrough only with two tildes.
    public var strikethroughDoubleTilde: Bool

    /// Creates options; every flag is off and every extension on unless stated.
    public init(
        profile: RenderProfile = .cmark,
        extensions: Set<GFMExtension> = Set(GFMExtension.allCases),
        allowsUnsafeHTML: Bool = false,
        sourcePositions: Bool = false,
        smartPunctuation: Bool = false,
        hardBreaks: Bool = false,
        noBreaks: Bool = false,
        githubPreLang: Bool = false,
        fullInfoString: Bool = false,
        tablePreferStyleAttributes: Bool = false,
        strikethroughDoubleTilde: Bool = false
    ) {
        self.profile = profile
        self.extensions = extensions
        self.allowsUnsafeHTML = allowsUnsafeHTML
        self.sourcePositions = sourcePositions
        self.smartPunctuation = smartPunctuation
        self.hardBreaks = hardBreaks
        self.noBreaks = noBreaks
        self.githubPreLang = githubPreLang
        self.fullInfoString = fullInfoString
        self.tablePreferStyleAttributes = tablePreferStyleAttributes
        self.strikethroughDoubleTilde = strikethroughDoubleTilde
    }

    /// GitHub Flavored Markdown, every extension, safe output.
    public static let `default` = RenderOptions()

    /// Whether the profile is ``RenderProfile/github`` (the worker frame's option bit).
    public var isGitHubProfile: Bool {
        get { profile == .github }
        set { profile = newValue ? .github : .cmark }
    }
}
