import DocumentModel
import PreviewEngine
import PreviewProtocol
import PreviewServer

/// Applying requests: each becomes engine calls and `ack` or `error` events.
extension StdioServer {
    enum Flow { case proceed, stop }

    /// Handles every complete line that has arrived.
    func process(_ input: inout Input) -> Flow {
        while let decoded = input.next() {
            do throws(ProtocolError) {
                guard let request = try decoded.request.get() else { continue }
                if try handle(request, line: decoded.line, input: &input) == .stop { return .stop }
            } catch {
                output.send(.error(error))
            }
        }
        return .proceed
    }

    /// Applies one request; engine refusals become `error` events naming the line.
    private func handle(_ request: Request, line: Int, input: inout Input) throws(ProtocolError) -> Flow {
        let id = request.id
        func refused(_ error: EngineError, doc: String?, pathField: String = "path") -> ProtocolError {
            StdioTranslation.protocolError(for: error, line: line, id: id, doc: doc, pathField: pathField)
        }
        /// The document a request other than an edit names (the decoder requires it).
        func named() throws(ProtocolError) -> String {
            guard let doc = request.doc else {
                throw ProtocolError(code: .missingField, message: "the request has no \"doc\"", field: "doc", line: line, id: id)
            }
            return doc
        }
        switch request.command {
        case .open(let text, let autosave, let options, let wantsPatches, let path):
            let doc = try named()
            // Registered first, so the first render already goes out as a patch.
            let isNew = !engine.openDocuments.contains(doc)
            let registers = wantsPatches && isNew
            if registers { patches.open(doc) }
            if isNew {
                let file = path ?? autosave
                preview?.open(doc, folder: PreviewServer.folder(ofDocumentAt: file), rawHTML: options.allowsUnsafeHTML, title: file?.split(separator: "/").last.map(String.init))
                linked?.register(doc, path: file)
            }
            do {
                try engine.open(doc, text: text, renderOptions: options, autosavePath: autosave)
            } catch {
                if registers { patches.close(doc) }
                if isNew { preview?.close(doc) }
                throw refused(error, doc: doc, pathField: "autosave")
            }
            acknowledge(request, doc: doc, version: 0)

        case .edit(let patches, _, let continuesTransaction):
            let doc = try resolve(request.doc, line: line, id: id)
            var transaction = Transaction(first: patches, id: id, line: line)
            if !continuesTransaction { try transaction.collect(from: &input, doc: doc, output: output) }
            let version: UInt64
            do {
                version = try engine.edit(doc, transaction: transaction.patches)
            } catch {
                throw transaction.failure(for: error, doc: doc, output: output)
            }
            for line in transaction.lines {
                if let lineID = line.id { output.send(.ack(AckEvent(id: lineID, op: request.op, doc: doc, version: version))) }
            }

        case .replace(let text):
            let doc = try named()
            let version: UInt64
            do {
                version = try engine.replaceText(doc, with: text)
            } catch { throw refused(error, doc: doc) }
            acknowledge(request, doc: doc, version: version)

        case .save(let path):
            let doc = try named()
            do {
                try engine.save(doc, to: path)
            } catch { throw refused(error, doc: doc) }
            acknowledge(request, doc: doc, version: try? engine.snapshot(of: doc).version)

        case .render:
            let doc = try named()
            do {
                if let sent = patches.requestHTML(for: doc, version: try engine.snapshot(of: doc).version) {
                    output.send(sent)   // that version was delivered: the engine renders it no more
                } else {
                    try engine.renderNow(doc)
                }
            } catch { throw refused(error, doc: doc) }
            acknowledge(request, doc: doc, version: try? engine.snapshot(of: doc).version)

        case .stats:
            let doc = try named()
            do {
                try engine.requestStatistics(doc)
            } catch { throw refused(error, doc: doc) }
            acknowledge(request, doc: doc, version: try? engine.snapshot(of: doc).version)

        case .cursor(let line):
            let doc = try named()
            guard engine.openDocuments.contains(doc) else { throw refused(.unknownDocument(doc), doc: doc) }
            preview?.moveCursor(of: doc, toLine: line)
            acknowledge(request, doc: doc, version: try? engine.snapshot(of: doc).version)

        case .close:
            let doc = try named()
            do {
                try engine.close(doc)   // a failed final save keeps the document open
            } catch { throw refused(error, doc: doc) }
            patches.close(doc)
            linked?.unregister(doc)
            acknowledge(request, doc: doc, version: nil)

        case .shutdown:
            acknowledge(request, doc: nil, version: nil)
            return .stop
        }
        return .proceed
    }

    /// The document an edit names, or the only open one for an edit without `doc`.
    private func resolve(_ doc: String?, line: Int, id: RequestID?) throws(ProtocolError) -> String {
        if let doc { return doc }
        let open = engine.openDocuments
        guard open.count == 1 else { throw .noDocument(openCount: open.count, line: line, id: id) }
        return open[0]
    }

    private func acknowledge(_ request: Request, doc: String?, version: UInt64?) {
        guard let id = request.id else { return }
        output.send(.ack(AckEvent(id: id, op: request.op, doc: doc, version: version)))
    }

}
