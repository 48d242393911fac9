internal import CCmarkGFM
internal import CMarkMath
import Primitives

/// The process-wide libcmark-gfm state: the registered syntax extensions and the lock
/// every parse holds.
///
/// `cmark_gfm_core_extensions_ensure_registered()` is not atomic in Debian's build, so it
/// runs exactly once, inside Swift's thread-safe lazy initialisation of `shared`.
final class CmarkExtensions: Sendable {
    /// The one registry; its initialiser registers the core extensions.
    static let shared = CmarkExtensions()

    /// Serialises every parse: libcmark-gfm's inline special-character tables are
    /// process globals that each parse with extensions changes.
    static let parseLock = Locked<Void>(())

    /// The registered extension objects; immutable once registered, so shared freely.
    private let byName: [GFMExtension: SyntaxExtensionPointer]
    /// Our math extension (`Sources/CMarkMath`), attached for the `github` profile.
    private let math: SyntaxExtensionPointer

    private init() {
        cmark_gfm_core_extensions_ensure_registered()
        var byName: [GFMExtension: SyntaxExtensionPointer] = [:]
        for gfmExtension in GFMExtension.allCases {
            // Footnotes are a parser option (CMARK_OPT_FOOTNOTES), not a syntax extension.
            if let pointer = cmark_find_syntax_extension(gfmExtension.rawValue) {
                byName[gfmExtension] = SyntaxExtensionPointer(pointer: pointer)
            }
        }
        self.byName = byName
        math = SyntaxExtensionPointer(pointer: OpaquePointer(previewengine_math_extension_new()!))
    }

    /// The extension objects to attach for `options`, in a fixed order (math last,
    /// for the `github` profile).
    func pointers(for options: RenderOptions) -> [OpaquePointer] {
        let gfm = GFMExtension.allCases.compactMap { options.extensions.contains($0) ? byName[$0]?.pointer : nil }
        return options.profile == .github ? gfm + [math.pointer] : gfm
    }
}

/// A registered extension. libcmark-gfm never mutates one after registration.
private struct SyntaxExtensionPointer: @unchecked Sendable {
    let pointer: OpaquePointer
}
