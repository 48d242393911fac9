import Foundation
import IncrementalRender
import PreviewProtocol
import TestSupport

/// A test client of a document's event stream: applies the patches it reads, as the page
/// does, on a thread of its own.
final class TestStreamClient: @unchecked Sendable {
    let connection: LoopbackConnection
    private(set) var document = RenderedDocument()
    private(set) var patches: [BlockPatch] = []
    private(set) var events: [ReceivedEvent] = []

    private var headRead = false

    /// Sends the request for `/api/documents/{id}/stream` (the response head is read by
    /// the first read: reads block, and belong on a thread of their own).
    init(port: Int, id: String = "1", query: String, lastEventID: UInt64? = nil, startingFrom document: RenderedDocument = RenderedDocument(),
         receiveBuffer: Int? = nil) throws {
        connection = try LoopbackConnection(port: port, receiveBuffer: receiveBuffer)
        self.document = document
        var request = "GET /api/documents/\(id)/stream?\(query) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
        if let lastEventID { request += "Last-Event-ID: \(lastEventID)\r\n" }
        try connection.write(Array((request + "\r\n").utf8))
    }

    /// Reads frames, applying patches, until `stop` says so or the stream ends; returns
    /// false when it ended first.
    @discardableResult
    func read(until stop: (TestStreamClient, ReceivedEvent) -> Bool) throws -> Bool {
        if !headRead {
            let head = try connection.readHead()
            guard head.status == 200 else { throw LoopbackConnection.Failure(description: "stream answered \(head.status)") }
            headRead = true
        }
        while let event = try connection.readEvent() {
            events.append(event)
            if event.event == "patch", let data = event.data, case .patch(let patch) = try EventDecoder.decode(data) {
                patches.append(patch.patch)
                try document.apply(patch.patch)
                guard event.id == String(patch.patch.version) else { throw LoopbackConnection.Failure(description: "id \(event.id ?? "nil") for version \(patch.patch.version)") }
            }
            if stop(self, event) { return true }
        }
        return false
    }

    /// Reads until the document is at `version` or later.
    func read(toVersion version: UInt64) throws {
        if let shown = document.version, shown >= version { return }
        guard try read(until: { client, _ in (client.document.version ?? 0) >= version && client.document.version != nil }) else {
            throw LoopbackConnection.Failure(description: "the stream ended before version \(version)")
        }
    }
}
