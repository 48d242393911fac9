import DocumentModel
import EditTraces
import Foundation
import IncrementalRender
import MarkdownRenderer
import TestSupport
import Testing

/// Seeded random edits of our hazard fixtures: after every edit the patched HTML is the
/// full render, byte for byte. `PREVIEWENGINE_FUZZ_EDITS` sets the edits per class (the
/// issue's full run: 10000; CI runs a bounded subset).
@Suite struct IncrementalFuzzTests {
    static let editsPerClass = ProcessInfo.processInfo.environment["PREVIEWENGINE_FUZZ_EDITS"].flatMap(Int.init) ?? 120

    @Test(arguments: HazardMarkdown.Hazard.allCases, RenderProfile.allCases)
    func everyEditMatchesTheFullRender(hazard: HazardMarkdown.Hazard, profile: RenderProfile) throws {
        var generator = SplitMix64(seed: 0x5EED_0000 + UInt64(HazardMarkdown.Hazard.allCases.firstIndex(of: hazard)!))
        let options = RenderOptions(profile: profile)
        var edits = 0
        var fallbacks = 0
        var updates = 0
        while edits < Self.editsPerClass {
            let size = hazard == .oneHugeBlock ? 4000 : 600 + Int(generator.next() % 2400)
            var checker = IncrementalChecker(text: HazardMarkdown.document(for: hazard, size: size, using: &generator), options: options)
            for _ in 0 ..< 200 where edits < Self.editsPerClass {
                let before = checker.document.text
                edits += 1
                if edits % 97 == 0 {
                    // Whole-text replacement, as an LSP full-document change does it.
                    let replacement = HazardMarkdown.document(for: hazard, size: 200 + Int(generator.next() % 2000), using: &generator)
                    checker.replaceAll(with: replacement)
                    if !checker.mismatches.isEmpty {
                        Issue.record("\(hazard), \(profile): mismatch after replacing \(before.debugDescription) with \(replacement.debugDescription)")
                        return
                    }
                    continue
                }
                let edit = HazardMarkdown.edit(of: before, for: hazard, using: &generator)
                try checker.edit([.replace(offset: edit.offset, length: edit.length, with: edit.text)])
                if let mismatch = checker.mismatches.first {
                    Issue.record("\(hazard), \(profile): mismatch at edit \(edits): \(edit)\nbefore: \(before.debugDescription)\nafter: \(mismatch.text.debugDescription)")
                    return
                }
            }
            fallbacks += checker.incremental.statistics.fallbacks
            updates += checker.incremental.statistics.updates
        }
        print("\(hazard), \(profile): \(edits) edits, full-parse fallbacks \(fallbacks) of \(updates)")
    }
}
