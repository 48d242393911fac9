import Foundation
import Testing
import TestSupport

/// Many clients, or clients that stop reading, on one document while it is edited.
/// (Left out of the ThreadSanitizer pass: a hundred threads make it 100 times slower
/// there; `EventStreamTests` covers the same code with a few clients.)
@Suite("preview server under load")
struct StreamLoadTests {
    @Test("100 clients follow 300 edits and each ends with exactly the final HTML; 20 clients that stop reading stay bounded")
    func hundredClients() async throws {
        let harness = try await LivePreviewHarness(backlogLimit: 16)
        let paragraphs = (0 ..< 40).map { "Paragraph \($0) with *emphasis* and `code`." }
        try await harness.open("load.md", text: "# Load\n\n" + paragraphs.joined(separator: "\n\n") + "\n")
        let readers = try (0 ..< 100).map { _ in try TestStreamClient(port: harness.port, query: harness.query) }
        let stalled = try (0 ..< 20).map { _ in try TestStreamClient(port: harness.port, query: harness.query, receiveBuffer: 4096) }
        // Every client is connected before the edits start.
        for client in readers + stalled { try await offThread { try client.read(toVersion: 0) } }
        #expect(harness.server.streamStatistics(of: "load.md").clients == 120)

        let finalVersion = UInt64(300)
        // Four reader threads of 25 clients each (a thread per client would add 100 to
        // the process's thread count, which other suites' leak checks read).
        let reading = stride(from: 0, to: readers.count, by: 25).map { start in
            let group = Array(readers[start ..< start + 25])
            return Task { try await offThread { for client in group { try client.read(toVersion: finalVersion) } } }
        }
        var largest = 0
        var offset = "# Load\n\n".unicodeScalars.count + 9
        for step in 0 ..< 300 {
            // Typing in paragraph 0, with a long paragraph added every 50 edits.
            let text = step % 50 == 49 ? "\n\n" + String(repeating: "filler ", count: 4000) + "\n\n" : "x"
            let version = try harness.insert(text, at: offset, in: "load.md")
            offset += text.unicodeScalars.count
            if step % 10 == 9 {
                await harness.waitFor("load.md", version: version)
                largest = max(largest, harness.server.streamStatistics(of: "load.md").largestBacklog)
            }
        }
        await harness.waitFor("load.md", version: finalVersion)
        for task in reading { try await task.value }
        let expected = try harness.fullRender(of: "load.md")
        var wrong = 0
        for client in readers where client.document.html != expected || client.document.version != finalVersion { wrong += 1 }
        #expect(wrong == 0, "\(wrong) of 100 clients did not end with the final HTML")
        #expect(largest <= 16 + 2, "frames queued for one client: \(largest)")
        for client in stalled { try await offThread { try client.read(toVersion: finalVersion) } }
        #expect(stalled.allSatisfy { $0.document.html == expected })
        await harness.stop()
    }

    @Test("a client that stops reading holds at most its backlog limit; when it reads again it gets a snapshot of the latest version")
    func slowClient() async throws {
        let harness = try await LivePreviewHarness(backlogLimit: 4)
        try await harness.open("big.md", text: "# Big\n")
        let stalled = try TestStreamClient(port: harness.port, query: harness.query, receiveBuffer: 4096)
        try await offThread { try stalled.read(toVersion: 0) }
        // Each edit adds a 64 KiB paragraph: 80 of them (5 MiB of patches) fill the
        // socket buffers of a client that does not read (its own is 4 KiB).
        let paragraph = String(repeating: "word ", count: 13_107) + "\n\n"
        var version: UInt64 = 0
        var largest = 0
        var end = 6
        for _ in 0 ..< 80 {
            version = try harness.insert(paragraph, at: end, in: "big.md")
            end += paragraph.unicodeScalars.count
            await harness.waitFor("big.md", version: version)
            largest = max(largest, harness.server.streamStatistics(of: "big.md").largestBacklog)
        }
        #expect(largest <= 4 + 2, "frames queued for the stalled client: \(largest)")
        try await offThread { [version] in try stalled.read(toVersion: version) }
        #expect(stalled.document.html == (try harness.fullRender(of: "big.md")))
        #expect(stalled.patches.dropFirst().contains { $0.baseVersion == nil }, "it was switched to a snapshot")
        await harness.stop()
    }
}
