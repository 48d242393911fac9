import Foundation
import TestSupport
import Testing

/// Every corpus document through `mdpreview render` equals the `cmark-gfm` CLI's output
/// with the same options, byte for byte, in safe and unsafe mode.
@Suite("mdpreview render equals the cmark-gfm CLI on the corpus")
struct ReferenceEquivalenceTests {
    static let corpusFiles: [URL] = (try? SharedData.files(in: "corpus", suffixes: [".md"])) ?? []

    @Test("the corpus is present (required under CI)", .enabled(if: SharedData.runsTests(needing: "corpus"), "needs ../shared/corpus"))
    func corpusPresent() throws {
        let files = try SharedData.files(in: "corpus", suffixes: [".md"])
        if SharedData.isCI { #expect(files.count >= 10) }
    }

    @Test("safe and unsafe renders are identical to cmark-gfm", .enabled(if: SharedData.runsTests(needing: "corpus"), "needs ../shared/corpus"), arguments: corpusFiles.map(\.lastPathComponent))
    func identical(name: String) throws {
        guard let cmark = try Subprocess.referenceCmark(), let corpus = try SharedData.folder("corpus") else { return }
        let mdpreview = try Subprocess.builtProduct("mdpreview")
        let path = corpus.appendingPathComponent(name).path
        for unsafe in [false, true] {
            let ours = try Subprocess.run(mdpreview, ["render", "--timeout-ms", "300000", path] + (unsafe ? ["--unsafe"] : []))   // a deadline no load reaches: the output is checked here
            var referenceArguments = ["--validate-utf8", path] + (unsafe ? ["--unsafe"] : [])
            for gfmExtension in ["table", "strikethrough", "autolink", "tagfilter", "tasklist", "footnotes"] {
                referenceArguments += ["-e", gfmExtension]
            }
            let reference = try Subprocess.run(cmark, referenceArguments)
            #expect(ours.status == 0 && reference.status == 0)
            #expect(!ours.stdout.isEmpty)
            #expect(ours.stdout == reference.stdout, "\(name) unsafe=\(unsafe): \(ours.stdout.count) bytes vs \(reference.stdout.count)")
        }
    }
}
