import Foundation

/// Generates keystroke-level editing traces of Markdown, in the format of the shared
/// traces, from a seed: the same configuration gives the same trace, byte for byte, on
/// every platform (it uses its own SplitMix64 generator and only exact arithmetic).
///
/// The model follows the statistics of the real traces (`json-crdt-blog-post` above
/// all, the only one with millisecond times):
/// - inter-keystroke intervals drawn from that trace's empirical quantiles (median
///   149 ms, p90 769 ms, p99 13 s: log-normal-like typing with pauses of seconds and,
///   rarely, minutes);
/// - per transaction: 91 % one-scalar inserts (typing), 5 % one-scalar deletes
///   (backspace; the deleted character is typed again, as when fixing a typo), 1.5 %
///   multi-scalar deletes, 1.3 % pastes, 1 % replaces (a selection overwritten), 0.2 %
///   two-patch transactions (a selection wrapped in `**`, the second patch marked
///   `"c":1`);
/// - the cursor jumps in 2 % of the transactions, half of the time to the end of the
///   document and half to the start of a random line, where a new paragraph is typed;
/// - the typed text is Markdown: headings, paragraphs with emphasis, code spans and
///   links, bullet and numbered lists, block quotes, fenced code blocks and tables, with
///   a little non-ASCII text (including astral scalars, so UTF-16 offsets differ from
///   scalar offsets) and no `\r`.
///
/// Cost: O(edits + start size) time and memory; the document is kept in a gap buffer.
public enum SyntheticTraceGenerator {
    /// Identifies the generation algorithm; it is written into the header's notes.
    /// Changing the algorithm must change this number and regenerate the fixtures.
    public static let algorithmVersion = 1

    /// What to generate.
    public struct Configuration: Sendable, Hashable {
        /// Seed of the pseudo-random generator.
        public var seed: UInt64
        /// Number of edit lines to generate (exactly).
        public var edits: Int
        /// Size of the generated starting document in UTF-8 bytes; 0 starts empty. The
        /// document is whole Markdown blocks, so it may exceed this by one block
        /// (at most about 1 KB).
        public var startContentBytes: Int
        /// The trace's `name`.
        public var name: String

        /// A configuration; `name` defaults to `synthetic-<seed>-<edits>-<startContentBytes>`.
        public init(seed: UInt64, edits: Int, startContentBytes: Int = 0, name: String? = nil) {
            precondition(edits >= 0 && startContentBytes >= 0, "counts must not be negative")
            self.seed = seed
            self.edits = edits
            self.startContentBytes = startContentBytes
            self.name = name ?? "synthetic-\(seed)-\(edits)-\(startContentBytes)"
        }
    }

    /// Generates a trace. The header carries the final text's SHA-256, the number of
    /// edits and transactions, and millisecond timestamps starting at 0.
    public static func generate(_ configuration: Configuration) -> EditTrace {
        var generator = Generator(configuration)
        return generator.run()
    }
}

// MARK: - Generator

private struct Generator {
    let configuration: SyntheticTraceGenerator.Configuration
    var rng: SplitMix64
    var document: ScalarGapBuffer
    let startContent: String
    var cursor: Int
    var plan = ScalarQueue()
    /// Scalars typed from the plan since the last jump, paste or replace: a backspace
    /// gives the last one back to the plan so that it is typed again.
    var typed: [Unicode.Scalar] = []
    var edits: [TraceEdit] = []
    var time = 0
    var transactions = 0

    init(_ configuration: SyntheticTraceGenerator.Configuration) {
        self.configuration = configuration
        rng = SplitMix64(seed: configuration.seed)
        var start = ""
        while start.utf8.count < configuration.startContentBytes {
            start += MarkdownText.block(&rng)
        }
        startContent = start
        document = ScalarGapBuffer(start.unicodeScalars)
        cursor = document.count
    }

    mutating func run() -> EditTrace {
        while edits.count < configuration.edits {
            if transactions > 0 {
                time += Distributions.keystrokeInterval.sample(&rng)
            }
            if document.count > 0, rng.chance(0.02) {
                jump()
            }
            let roll = rng.unit()
            if roll < 0.910 {
                typeOne()
            } else if roll < 0.960 {
                backspace()
            } else if roll < 0.975 {
                deleteSeveral()
            } else if roll < 0.988 {
                paste()
            } else if roll < 0.998 {
                replaceSelection()
            } else {
                wrapInStrong()
            }
            transactions += 1
        }
        let finalText = document.string()
        let header = TraceHeader(
            name: configuration.name,
            source: "PreviewEngine EditTraces.SyntheticTraceGenerator algorithm \(SyntheticTraceGenerator.algorithmVersion)",
            license: "generated by PreviewEngine; no third-party content",
            startContent: startContent,
            endContentSha256: ContentDigest.sha256Hex(ofUTF8: finalText),
            edits: edits.count,
            hasTimestamps: true,
            contentType: "markdown",
            timeResolutionMs: 1,
            txns: transactions,
            startEpochMs: nil,
            notes: [
                "synthetic: seed \(configuration.seed), \(configuration.edits) edits, start content of \(startContent.utf8.count) UTF-8 bytes",
                "statistics modelled on josephg/editing-traces json-crdt-blog-post (inter-keystroke quantiles, edit kinds)",
            ])
        return EditTrace(header: header, edits: edits)
    }

    // MARK: Edits

    private mutating func emit(position: Int, deleteCount: Int, inserted: [Unicode.Scalar], continues: Bool = false) {
        edits.append(TraceEdit(
            timeMs: time, position: position, deleteCount: deleteCount,
            insertedText: String(String.UnicodeScalarView(inserted)),
            continuesTransaction: continues))
        if deleteCount > 0 { document.remove(at: position, count: deleteCount) }
        if !inserted.isEmpty { document.insert(inserted, at: position) }
    }

    private mutating func nextPlanned() -> Unicode.Scalar {
        if plan.isEmpty { plan.append(MarkdownText.block(&rng)) }
        return plan.popFirst()
    }

    private mutating func jump() {
        typed.removeAll()
        if rng.chance(0.5) {
            cursor = document.count
        } else {
            cursor = document.lineStart(atOrAfter: rng.below(document.count + 1), searchLimit: 400)
            plan.removeAll()
            plan.append(MarkdownText.paragraph(&rng))
        }
    }

    private mutating func typeOne() {
        let scalar = nextPlanned()
        emit(position: cursor, deleteCount: 0, inserted: [scalar])
        cursor += 1
        typed.append(scalar)
    }

    private mutating func backspace() {
        guard cursor > 0 else { return typeOne() }
        emit(position: cursor - 1, deleteCount: 1, inserted: [])
        cursor -= 1
        if let scalar = typed.popLast() { plan.prepend([scalar]) }
    }

    private mutating func deleteSeveral() {
        let count = min(cursor, Distributions.multiDelete.sample(&rng))
        guard count >= 2 else { return backspace() }
        emit(position: cursor - count, deleteCount: count, inserted: [])
        cursor -= count
        let retyped = min(count, typed.count)
        plan.prepend(Array(typed.suffix(retyped)))
        typed.removeLast(retyped)
    }

    private mutating func paste() {
        let count = Distributions.paste.sample(&rng)
        var chunk: [Unicode.Scalar] = []
        chunk.reserveCapacity(count)
        for _ in 0..<count { chunk.append(nextPlanned()) }
        emit(position: cursor, deleteCount: 0, inserted: chunk)
        cursor += count
        typed.removeAll()
    }

    private mutating func replaceSelection() {
        let count = min(cursor, Distributions.replacedLength.sample(&rng))
        guard count >= 1 else { return typeOne() }
        let length = rng.chance(0.5) ? 1 : Distributions.replacementLength.sample(&rng)
        var replacement: [Unicode.Scalar] = []
        for _ in 0..<length { replacement.append(nextPlanned()) }
        emit(position: cursor - count, deleteCount: count, inserted: replacement)
        cursor += length - count
        typed.removeAll()
    }

    private mutating func wrapInStrong() {
        guard cursor >= 1, configuration.edits - edits.count >= 2 else { return typeOne() }
        let selected = rng.int(in: 1...min(cursor, 20))
        let marker: [Unicode.Scalar] = ["*", "*"]
        emit(position: cursor, deleteCount: 0, inserted: marker)
        emit(position: cursor - selected, deleteCount: 0, inserted: marker, continues: true)
        cursor += 4
        typed.removeAll()
    }
}

// MARK: - Random numbers

extension SplitMix64 {
    /// Uniform in 0..<bound (bound > 0), by Lemire's multiply-shift.
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.count)
    }

    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }
}

/// A distribution given by quantile knots `(p, value)`, sampled by linear interpolation
/// of the inverse CDF: only +, -, *, / on doubles, so results are exact everywhere.
struct QuantileTable {
    let knots: [(p: Double, value: Double)]

    func sample(_ rng: inout SplitMix64) -> Int {
        let u = rng.unit()
        var k = 1
        while k < knots.count - 1, knots[k].p <= u { k += 1 }
        let (p0, v0) = knots[k - 1]
        let (p1, v1) = knots[k]
        let value = v0 + (u - p0) / (p1 - p0) * (v1 - v0)
        return Int(value.rounded())
    }
}

enum Distributions {
    /// Inter-keystroke interval (ms) between transactions: json-crdt-blog-post's
    /// empirical quantiles, the 0 % knot raised to 10 ms and the 100 % knot capped at
    /// 10 minutes.
    static let keystrokeInterval = QuantileTable(knots: [
        (0.0, 10), (0.01, 25), (0.05, 53), (0.1, 67), (0.2, 89), (0.3, 105), (0.4, 126),
        (0.5, 149), (0.6, 180), (0.7, 231), (0.8, 349), (0.85, 496), (0.9, 769), (0.95, 1971),
        (0.97, 3940), (0.98, 6120), (0.99, 13342), (0.995, 28168), (0.999, 170_390), (1.0, 600_000),
    ])
    /// Scalars removed by a multi-scalar delete.
    static let multiDelete = QuantileTable(knots: [
        (0.0, 2), (0.3, 3), (0.5, 5), (0.7, 7), (0.8, 10), (0.9, 34), (0.95, 82), (1.0, 150),
    ])
    /// Scalars inserted by a paste.
    static let paste = QuantileTable(knots: [
        (0.0, 2), (0.35, 3), (0.5, 5), (0.6, 16), (0.7, 39), (0.8, 79), (0.9, 97), (0.98, 400), (1.0, 1500),
    ])
    /// Scalars selected and overwritten by a replace.
    static let replacedLength = QuantileTable(knots: [
        (0.0, 1), (0.35, 1), (0.5, 3), (0.7, 10), (0.9, 43), (1.0, 72),
    ])
    /// Scalars of a replacement longer than one scalar.
    static let replacementLength = QuantileTable(knots: [
        (0.0, 2), (0.5, 29), (0.8, 80), (1.0, 114),
    ])
}

// MARK: - Text

/// Markdown-like text: blocks separated by blank lines.
enum MarkdownText {
    static let words = """
        the of and to in is that for it as with was on be by this are from or at an not have \
        which but all can has one will more when there their its about into than other some \
        time only new these two may first any like then now could such our over most even \
        preview render document editor text line block list code link table heading quote \
        parser buffer cursor change version edit insert delete replace patch commit branch \
        merge latency frame worker thread queue task result value offset length index range \
        string scalar unicode byte chunk rope tree node leaf summary metric cache engine \
        update event timer deadline budget sample average median fast slow small large \
        simple clear exact stable fresh quick steady careful typical real
        """.split(separator: " ").map(String.init)

    /// Rare non-ASCII words, some with astral scalars.
    static let unicodeWords = ["café", "naïve", "über", "façade", "→", "—", "…", "½", "日本語", "Ελληνικά", "🙂", "🚀", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"]

    static func word(_ rng: inout SplitMix64) -> String {
        rng.chance(0.015) ? rng.pick(unicodeWords) : rng.pick(words)
    }

    static func capitalized(_ word: String) -> String {
        word.prefix(1).uppercased() + word.dropFirst()
    }

    static func inlineWord(_ rng: inout SplitMix64) -> String {
        let w = word(&rng)
        let roll = rng.unit()
        if roll < 0.03 { return "**\(w)**" }
        if roll < 0.05 { return "*\(w)*" }
        if roll < 0.07 { return "`\(w)`" }
        if roll < 0.08 { return "[\(w)](https://example.com/\(rng.pick(words)))" }
        return w
    }

    static func sentence(_ rng: inout SplitMix64) -> String {
        let count = rng.int(in: 5...16)
        var parts = [capitalized(word(&rng))]
        for _ in 1..<count { parts.append(inlineWord(&rng)) }
        let end = rng.chance(0.1) ? (rng.chance(0.5) ? "?" : "!") : "."
        return parts.joined(separator: rng.chance(0.05) ? ", " : " ") + end
    }

    static func paragraph(_ rng: inout SplitMix64) -> String {
        (0..<rng.int(in: 1...5)).map { _ in sentence(&rng) }.joined(separator: " ") + "\n\n"
    }

    static func block(_ rng: inout SplitMix64) -> String {
        let roll = rng.unit()
        if roll < 0.45 { return paragraph(&rng) }
        if roll < 0.60 {
            let level = String(repeating: "#", count: rng.int(in: 1...3))
            let title = (0..<rng.int(in: 2...6)).map { _ in capitalized(word(&rng)) }.joined(separator: " ")
            return "\(level) \(title)\n\n"
        }
        if roll < 0.80 {
            let numbered = rng.chance(0.3)
            let items = (1...rng.int(in: 2...6)).map { n in
                (numbered ? "\(n). " : "- ") + sentence(&rng) + "\n"
            }
            return items.joined() + "\n"
        }
        if roll < 0.90 {
            let lines = (0..<rng.int(in: 2...6)).map { _ in codeLine(&rng) + "\n" }
            return "```swift\n" + lines.joined() + "```\n\n"
        }
        if roll < 0.95 {
            return "> " + sentence(&rng) + "\n\n"
        }
        let rows = (0..<rng.int(in: 1...4)).map { _ in "| \(word(&rng)) | \(rng.int(in: 0...999)) |\n" }
        return "| \(capitalized(word(&rng))) | Count |\n|---|---:|\n" + rows.joined() + "\n"
    }

    static func codeLine(_ rng: inout SplitMix64) -> String {
        let a = rng.pick(words)
        let b = rng.pick(words)
        let n = rng.int(in: 0...999)
        switch rng.below(4) {
        case 0: return "let \(a)Value = \(b)(\(n))"
        case 1: return "func \(a)() -> Int { \(n) }"
        case 2: return "// \(sentence(&rng))"
        default: return "if \(a) > \(n) { return \(b) }"
        }
    }
}

// MARK: - Buffers

/// Scalars waiting to be typed.
struct ScalarQueue {
    private var scalars: [Unicode.Scalar] = []
    private var head = 0

    var isEmpty: Bool { head == scalars.count }

    mutating func append(_ text: String) {
        scalars.append(contentsOf: text.unicodeScalars)
    }

    mutating func prepend(_ items: [Unicode.Scalar]) {
        if head >= items.count {
            head -= items.count
            scalars.replaceSubrange(head..<(head + items.count), with: items)
        } else {
            scalars.replaceSubrange(0..<head, with: items)
            head = 0
        }
    }

    mutating func popFirst() -> Unicode.Scalar {
        let scalar = scalars[head]
        head += 1
        if head == scalars.count {
            scalars.removeAll(keepingCapacity: true)
            head = 0
        }
        return scalar
    }

    mutating func removeAll() {
        scalars.removeAll(keepingCapacity: true)
        head = 0
    }
}

/// A gap buffer of scalars: inserts and deletes at the cursor are O(1) amortized; moving
/// the cursor costs one memmove of the distance.
struct ScalarGapBuffer {
    private var storage: [UInt32]
    private var gapStart: Int
    private var gapEnd: Int

    init(_ scalars: String.UnicodeScalarView) {
        storage = scalars.map(\.value)
        gapStart = storage.count
        gapEnd = storage.count
    }

    var count: Int { storage.count - (gapEnd - gapStart) }

    private func scalar(at position: Int) -> UInt32 {
        position < gapStart ? storage[position] : storage[position + gapEnd - gapStart]
    }

    /// The first position at or after `position` that starts a line, looking at most
    /// `searchLimit` scalars ahead; `position` itself when none is found.
    func lineStart(atOrAfter position: Int, searchLimit: Int) -> Int {
        if position == 0 { return 0 }
        var p = position
        while p <= count, p - position <= searchLimit {
            if scalar(at: p - 1) == 0x0A { return p }
            p += 1
        }
        return position
    }

    private mutating func moveGap(to position: Int) {
        guard position != gapStart else { return }
        storage.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            if position < gapStart {
                let moved = gapStart - position
                memmove(base + gapEnd - moved, base + position, moved * MemoryLayout<UInt32>.stride)
                gapEnd -= moved
            } else {
                let moved = position - gapStart
                memmove(base + gapStart, base + gapEnd, moved * MemoryLayout<UInt32>.stride)
                gapEnd += moved
            }
        }
        gapStart = position
    }

    mutating func insert(_ scalars: [Unicode.Scalar], at position: Int) {
        precondition(position >= 0 && position <= count)
        moveGap(to: position)
        if gapEnd - gapStart < scalars.count {
            let grow = max(scalars.count, storage.count / 2, 1024)
            storage.insert(contentsOf: repeatElement(0, count: grow), at: gapEnd)
            gapEnd += grow
        }
        for scalar in scalars {
            storage[gapStart] = scalar.value
            gapStart += 1
        }
    }

    mutating func remove(at position: Int, count removed: Int) {
        precondition(position >= 0 && removed >= 0 && position + removed <= count)
        moveGap(to: position)
        gapEnd += removed
    }

    /// The text, as UTF-8. O(n).
    func string() -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + count / 8)
        for position in 0..<count {
            let value = scalar(at: position)
            if value < 0x80 {
                bytes.append(UInt8(value))
            } else {
                bytes.append(contentsOf: UTF8.encode(Unicode.Scalar(value)!)!)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
