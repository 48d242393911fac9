import ArgumentParser
import MarkdownRenderer

/// The command-line flags that mirror `RenderOptions`, shared by every subcommand.
struct RenderFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "What the HTML shows: exactly cmark-gfm's output, or GitHub's reading view (front matter, heading ids, alerts, math). Default: github for pages (serve, export, render --page), cmark otherwise.",
        valueName: RenderProfile.allCases.map(\.rawValue).joined(separator: "|")
    ), transform: RenderFlags.parseProfile)
    var profile: RenderProfile?

    @Flag(help: "Emit raw HTML and dangerous URLs as written (default: suppressed).")
    var unsafe = false

    @Flag(help: "Add data-sourcepos attributes to block elements.")
    var sourcepos = false

    @Flag(help: "Use smart punctuation (curly quotes, dashes, ellipses).")
    var smart = false

    @Flag(help: "Render soft line breaks as <br />.")
    var hardbreaks = false

    @Flag(help: "Render soft line breaks as spaces.")
    var nobreaks = false

    @Flag(help: "Use GitHub-style <pre lang=\"x\"> for code blocks.")
    var githubPreLang = false

    @Flag(help: "Keep the rest of a code block's info string in a data-meta attribute.")
    var fullInfoString = false

    @Flag(help: "Align table cells with style attributes instead of align attributes.")
    var tablePreferStyleAttributes = false

    @Flag(help: "Parse strikethrough only with two tildes.")
    var strikethroughDoubleTilde = false

    @Option(
        name: [.customShort("e"), .customLong("extension")],
        help: ArgumentHelp(
            "Enable only the named GFM extensions (repeatable; default: all).",
            valueName: GFMExtension.allCases.map(\.rawValue).joined(separator: "|")
        ),
        transform: RenderFlags.parseExtension
    )
    var extensions: [GFMExtension] = []

    @Flag(help: "Disable every GFM extension (plain CommonMark).")
    var noExtensions = false

    func validate() throws {
        if noExtensions && !extensions.isEmpty {
            throw ValidationError("--no-extensions and --extension cannot be combined.")
        }
        if hardbreaks && nobreaks {
            throw ValidationError("--hardbreaks and --nobreaks cannot be combined.")
        }
    }

    static func parseProfile(_ name: String) throws -> RenderProfile {
        guard let value = RenderProfile(rawValue: name) else {
            throw ValidationError("unknown profile '\(name)' (known: \(RenderProfile.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return value
    }

    static func parseExtension(_ name: String) throws -> GFMExtension {
        guard let value = GFMExtension(rawValue: name) else {
            let known = GFMExtension.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("unknown extension '\(name)' (known: \(known))")
        }
        return value
    }

    /// The renderer options these flags select, with `defaultProfile` unless
    /// `--profile` names one.
    func options(defaultProfile: RenderProfile) -> RenderOptions {
        RenderOptions(
            profile: profile ?? defaultProfile,
            extensions: noExtensions ? [] : (extensions.isEmpty ? Set(GFMExtension.allCases) : Set(extensions)),
            allowsUnsafeHTML: unsafe,
            sourcePositions: sourcepos,
            smartPunctuation: smart,
            hardBreaks: hardbreaks,
            noBreaks: nobreaks,
            githubPreLang: githubPreLang,
            fullInfoString: fullInfoString,
            tablePreferStyleAttributes: tablePreferStyleAttributes,
            strikethroughDoubleTilde: strikethroughDoubleTilde
        )
    }
}

