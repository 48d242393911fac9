import Foundation
import IncrementalRender
import Primitives
import Testing
import TestSupport

/// `GET /api/documents/{id}/stream`: patches in version order, resumption, snapshots for
/// slow clients, heartbeats, and the end of a closed document.
@Suite("preview server event stream")
struct EventStreamTests {
    @Test("a client gets a snapshot, then patches whose ids are versions, ending with the full render")
    func patchesInOrder() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("a.md", text: "# Title\n\nfirst paragraph\n\n![img](a.png)\n")
        let client = try TestStreamClient(port: harness.port, query: harness.query)
        try await offThread { try client.read(toVersion: 0) }
        #expect(client.patches.first?.baseVersion == nil)
        var version: UInt64 = 0
        for (index, character) in "more text".enumerated() {
            version = try harness.insert(String(character), at: 9 + index, in: "a.md")
        }
        await harness.waitFor("a.md", version: version)
        try await offThread { [version] in try client.read(toVersion: version) }
        #expect(client.document.html == (try harness.fullRender(of: "a.md")))
        #expect(client.patches.dropFirst().allSatisfy { $0.baseVersion != nil }, "no snapshot after the first")
        // The image's block was never part of a patch after the snapshot.
        #expect(client.patches.dropFirst().allSatisfy { patch in !patch.inserted.contains { $0.html.contains("<img") } })
        await harness.stop()
    }

    @Test("a reconnect with Last-Event-ID gets exactly the missing patches; an unknown one gets a snapshot")
    func resume() async throws {
        let harness = try await LivePreviewHarness(resumableLimit: 8)
        try await harness.open("a.md", text: "# T\n\nalpha\n\nbeta\n")
        let first = try TestStreamClient(port: harness.port, query: harness.query)
        try await offThread { try first.read(toVersion: 0) }
        var version = try harness.insert("A", at: 6, in: "a.md")
        await harness.waitFor("a.md", version: version)
        try await offThread { [version] in try first.read(toVersion: version) }
        let seen = try #require(first.document.version)
        first.connection.close()
        for offset in 0 ..< 5 {
            version = try harness.insert("b", at: 13 + offset, in: "a.md")
            await harness.waitFor("a.md", version: version)
        }
        let resumed = try TestStreamClient(port: harness.port, query: harness.query, lastEventID: seen, startingFrom: first.document)
        // The resumed client starts from the first client's state.
        try await offThread { () throws -> Void in
            _ = try resumed.read(until: { _, event in event.event == "patch" })
        }
        #expect(resumed.patches.first?.baseVersion == seen)
        try await offThread { [version] in try resumed.read(toVersion: version) }
        #expect(resumed.document.html == (try harness.fullRender(of: "a.md")))
        #expect(resumed.patches.allSatisfy { $0.baseVersion != nil }, "no snapshot")

        // Versions beyond the 8 resumable patches: the first ones can no longer resume.
        for offset in 0 ..< 9 {
            version = try harness.insert("c", at: 13 + offset, in: "a.md")
            await harness.waitFor("a.md", version: version)
        }
        for unknown: UInt64 in [999_999, 0] {
            let stranger = try TestStreamClient(port: harness.port, query: harness.query, lastEventID: unknown)
            try await offThread { [version] in try stranger.read(toVersion: version) }
            #expect(stranger.patches.first?.baseVersion == nil, "Last-Event-ID \(unknown)")
            #expect(stranger.document.html == (try harness.fullRender(of: "a.md")))
        }
        await harness.stop()
    }

    @Test("five clients follow the same edits concurrently and end with the same HTML")
    func severalClients() async throws {
        let harness = try await LivePreviewHarness(backlogLimit: 4)
        try await harness.open("a.md", text: "# T\n\nalpha\n\nbeta\n")
        let clients = try (0 ..< 5).map { _ in try TestStreamClient(port: harness.port, query: harness.query) }
        let reading = clients.map { client in Task { try await offThread { try client.read(toVersion: 30) } } }
        for step in 0 ..< 30 { try harness.insert(step % 7 == 6 ? "\n\n" : "z", at: 6, in: "a.md") }
        for task in reading { try await task.value }
        let expected = try harness.fullRender(of: "a.md")
        #expect(clients.allSatisfy { $0.document.html == expected && $0.document.version == 30 })
        await harness.stop()
    }

    @Test("an idle stream gets a heartbeat comment each interval of the server's clock, and ends after its lifetime")
    func heartbeat() async throws {
        let clock = ManualClock()
        let harness = try await LivePreviewHarness(heartbeat: .seconds(15), streamLifetime: .seconds(20), clock: clock)
        try await harness.open("a.md", text: "x\n")
        let client = try TestStreamClient(port: harness.port, query: harness.query)
        try await offThread { () throws -> Void in
            _ = try client.read(until: { _, event in event.event == "patch" })   // the snapshot
        }
        #expect(!client.events.contains { $0.comments.contains("heartbeat") })
        #expect(clock.waitForTimers(1))   // the heartbeat's sleep
        clock.advance(by: .seconds(15))
        try await offThread { () throws -> Void in
            _ = try client.read(until: { _, event in event.comments.contains("heartbeat") })
        }
        #expect(client.events.count { $0.comments.contains("heartbeat") } == 1, "15 s is within the lifetime: the stream goes on")
        #expect(clock.waitForTimers(1))
        clock.advance(by: .seconds(15))   // 30 s: past the 20 s lifetime, so this heartbeat ends the stream
        let ended = try await offThread { () throws -> Bool in
            try client.read(until: { _, _ in false })
        }
        #expect(!ended, "the server closed the stream")
        await harness.stop()
    }

    @Test("closing the document ends its streams with 'closed'; a late client gets 'closed' at once")
    func closed() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("a.md", text: "x\n")
        let client = try TestStreamClient(port: harness.port, query: harness.query)
        try await offThread { try client.read(toVersion: 0) }
        try harness.engine.close("a.md")
        let ended = try await offThread { () throws -> Bool in
            _ = try client.read(until: { _, event in event.event == "closed" })
            return try client.read(until: { _, _ in false }) == false
        }
        #expect(client.events.last?.event == "closed")
        #expect(ended, "the stream ends after 'closed'")
        #expect(try await LoopbackHTTP.get(port: harness.port, "/api/documents/1/stream?\(harness.query)").status == 404)
        await harness.stop()
    }
}
