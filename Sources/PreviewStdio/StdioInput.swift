import DocumentModel
import PreviewEngine
import PreviewProtocol

/// The request lines that have arrived, decoded once each, in input order. A line taken
/// to see whether it continues a transaction, and found not to, is put back and handed
/// out next.
struct Input {
    /// One decoded line.
    struct Decoded {
        let line: Int
        let request: Result<Request?, ProtocolError>
    }

    var framer: LineFramer
    let decoder: RequestDecoder
    private var putBack: Decoded?

    init(framer: LineFramer, decoder: RequestDecoder) {
        self.framer = framer
        self.decoder = decoder
    }

    /// The next complete line that has arrived, decoded; nil when none has (it never
    /// waits for input).
    mutating func next() -> Decoded? {
        if let held = putBack {
            putBack = nil
            return held
        }
        guard let framed = framer.next() else { return nil }
        do throws(ProtocolError) {
            return Decoded(line: framed.number, request: .success(try decoder.decode(framed)))
        } catch {
            return Decoded(line: framed.number, request: .failure(error))
        }
    }

    /// Hands `decoded` out again on the next call of ``next()``.
    mutating func putBack(_ decoded: Decoded) {
        putBack = decoded
    }
}

/// An edit line and the `"c":1` lines of the same document already waiting behind it:
/// one transaction, applied all or nothing (`Docs/PROTOCOL.md`, "Transactions").
struct Transaction {
    /// One line of the transaction and its patches.
    struct Line {
        let number: Int
        let id: RequestID?
        let patches: Range<Int>
    }

    private(set) var patches: [TextPatch] = []
    private(set) var lines: [Line] = []

    init(first patches: [TextPatch], id: RequestID?, line: Int) {
        append(patches, id: id, line: line)
    }

    private mutating func append(_ added: [TextPatch], id: RequestID?, line: Int) {
        lines.append(Line(number: line, id: id, patches: patches.count..<patches.count + added.count))
        patches += added
    }

    /// A decoded line that continues a transaction of `doc` (`"c":1`, same or no `doc`):
    /// an edit, or a broken line whose `"c"` could still be read.
    private enum Continuation {
        case edit([TextPatch], id: RequestID?)
        case broken(ProtocolError)

        init?(_ decoded: Input.Decoded, of doc: String) {
            switch decoded.request {
            case .success(let request?) where request.doc == nil || request.doc == doc:
                guard case .edit(let patches, _, continuesTransaction: true) = request.command else { return nil }
                self = .edit(patches, id: request.id)
            case .failure(let error) where error.continuesTransaction && (error.doc == nil || error.doc == doc):
                self = .broken(error)
            default:
                return nil
            }
        }

        var id: RequestID? {
            switch self {
            case .edit(_, let id): id
            case .broken(let error): error.id
            }
        }
    }

    /// Takes the continuation lines of `doc` that have arrived. When one of them cannot
    /// be decoded the whole transaction fails: the rest of it that has arrived is taken
    /// too, every other line with an `id` gets `transaction_failed`, and the failing
    /// line's own error is thrown. Nothing is applied.
    mutating func collect(from input: inout Input, doc: String, output: OutputChannel) throws(ProtocolError) {
        while let next = input.next() {
            switch Continuation(next, of: doc) {
            case .edit(let more, let id)?:
                append(more, id: id, line: next.line)
            case .broken(let error)?:
                var others = lines.map { ($0.number, $0.id) }
                while let rest = input.next() {
                    guard let member = Continuation(rest, of: doc) else {
                        input.putBack(rest)
                        break
                    }
                    others.append((rest.line, member.id))
                }
                Self.reportFailed(others, because: next.line, doc: doc, output: output)
                throw error
            case nil:
                input.putBack(next)
                return
            }
        }
    }

    /// The error of the line whose patch failed to apply; the other lines with an `id`
    /// get `transaction_failed`.
    func failure(for error: EngineError, doc: String, output: OutputChannel) -> ProtocolError {
        var failing = lines[0]
        if case .invalidEdit(_, .inTransaction(let index, _)) = error, let line = lines.first(where: { $0.patches.contains(index) }) {
            failing = line
        }
        var protocolError = StdioTranslation.protocolError(for: error, line: failing.number, id: failing.id, doc: doc)
        if case .invalidEdit(_, .inTransaction(let index, let underlying)) = error {
            protocolError.message = underlying.description
                + (lines.count > 1 ? " (patch \(index - failing.patches.lowerBound) of this line; no line of the transaction was applied)" : "")
        }
        Self.reportFailed(lines.filter { $0.number != failing.number }.map { ($0.number, $0.id) }, because: failing.number, doc: doc, output: output)
        return protocolError
    }

    private static func reportFailed(_ lines: [(Int, RequestID?)], because failingLine: Int, doc: String, output: OutputChannel) {
        for (number, id) in lines where id != nil {
            output.send(.error(ProtocolError(
                code: .transactionFailed,
                message: "line \(failingLine) of this transaction failed, so nothing of it was applied",
                line: number, id: id, doc: doc
            )))
        }
    }
}
