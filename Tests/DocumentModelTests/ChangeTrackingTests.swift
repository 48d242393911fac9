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
}
