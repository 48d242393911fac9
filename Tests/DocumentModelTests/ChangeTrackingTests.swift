import DocumentModel
import EditTraces
import Testing

/// `TextDocument.takeChanges()`: the bytes outside the reported range are the old text's.
@Suite struct ChangeTrackingTests {
    private func expectCovers(_ changes: TextChanges, old: String, new: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let oldBytes = Array(old.utf8), newBytes = Array(new.utf8)
        guard let range = changes.range else {
            #expect(oldBytes == newBytes, sourceLocation: sourceLocation)
            return
        }
        #expect(range.utf8Delta == newBytes.count - oldBytes.count, sourceLocation: sourceLocation)
        #expect(range.lowerBound <= range.upperBound && range.upperBound <= newBytes.count, sourceLocation: sourceLocation)
        #expect(oldBytes[..<range.lowerBound] == newBytes[..<range.lowerBound], sourceLocation: sourceLocation)
        #expect(oldBytes[range.oldUpperBound...] == newBytes[range.upperBound...], sourceLocation: sourceLocation)
    }

    @Test func seededEditsInEveryUnitAreCovered() throws {
        var generator = SplitMix64(seed: 42)
        var document = TextDocument("héllo\nwörld 🎉\r\nthird line\n")
        var taken = document.text
        var takenVersion = document.version
        #expect(document.takeChanges().range == nil)
        for step in 0 ..< 3000 {
            let text = document.text
            let scalars = text.unicodeScalars.count
            let offset = Int(generator.next() % UInt64(scalars + 1))
            let length = Int(generator.next() % UInt64(min(4, scalars - offset) + 1))
            let inserted = ["a", "é", "🎉", "\n", "\r\n", ""][Int(generator.next() % 6)]
            switch generator.next() % 10 {
            case 0:
                _ = try? document.apply(.replace(offset: text.utf8.count / 2, length: 0, with: inserted, unit: .utf8))
            case 1:
                try document.apply(transaction: [.insert("x", at: offset), .delete(offset: 0, length: min(1, scalars))])
            case 2:
                _ = try? document.apply(transaction: [.insert("y", at: 0), .delete(offset: 10_000, length: 1)])   // rolled back
            case 3 where step % 50 == 0:
                document.replaceAll(with: "new text \(step)\n")
            default:
                try document.apply(.replace(offset: offset, length: length, with: inserted))
            }
            if generator.next() % 4 == 0 {
                let changes = document.takeChanges()
                expectCovers(changes, old: taken, new: document.text)
                #expect(changes.since == takenVersion)
                taken = document.text
                takenVersion = document.version
            }
        }
    }

    @Test func typingReportsOnlyTheTypedBytes() throws {
        var document = TextDocument("# Title\n\nbody\n")
        _ = document.takeChanges()
        for (index, character) in "abc".enumerated() {
            try document.apply(.insert(String(character), at: 14 + index))
        }
        let range = try #require(document.takeChanges().range)
        #expect(range.lowerBound == 14 && range.upperBound == 17 && range.utf8Delta == 3)
    }

    @Test("a whole-text replacement reports only the bytes between the common prefix and suffix, on scalar boundaries")
    func replacementReportsOnlyTheChangedMiddle() throws {
        let cases: [(old: String, new: String, expected: (lower: Int, upper: Int)?)] = [
            ("# Title\n\nbody\n\nend\n", "# Title\n\nbody!\n\nend\n", (13, 14)),
            ("same\n", "same\n", (5, 5)),  // an empty change: nothing to re-render
            ("abc", "", (0, 0)),
            ("", "abc", (0, 3)),
            ("aaaa", "aa", (2, 2)),        // prefix and suffix never overlap
            ("xé", "xè", (1, 3)),          // é and è share their first byte: cut back to the scalar
            ("🎉a", "🎊a", (0, 4)),        // and share bytes at the end of the scalar: cut forward
            ("a\r\nb", "a\nb", (1, 1)),
        ]
        for (old, new, expected) in cases {
            var document = TextDocument(old)
            _ = document.takeChanges()
            document.replaceAll(with: new)
            let changes = document.takeChanges()
            expectCovers(changes, old: old, new: new)
            #expect(changes.range.map { [$0.lowerBound, $0.upperBound] } == expected.map { [$0.lower, $0.upper] }, "\(old.debugDescription) → \(new.debugDescription)")
            #expect(document.text == new)
        }
    }
}
