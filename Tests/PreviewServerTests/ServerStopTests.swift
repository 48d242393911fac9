import Foundation
import Primitives
import Testing
import TestSupport

/// Stopping the server while clients keep coming: the listener closes first, open
/// streams end, nothing traps (NIO once did, on a connection accepted during a stop by
/// cancellation).
@Suite("preview server stop")
struct ServerStopTests {
    @Test("stop while four threads keep connecting and two streams are open: it returns, every stream ends, later connections are refused")
    func stopUnderConnections() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("a.md", text: "# A\n")
        let port = harness.port
        let query = harness.query
        let state = Locked((stopping: false, answered: 0, refused: 0))
        var threads: [Task<Void, Never>] = []
        for _ in 0 ..< 4 {
            threads.append(Task.detached {
                await offThread {
                    while !state.withLock({ $0.stopping && $0.refused > 0 }) {
                        do {
                            let connection = try LoopbackConnection(port: port, timeoutSeconds: 10)
                            try connection.write(Array("GET /api/documents?\(query) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8))
                            _ = try connection.readResponse()
                            connection.close()
                            state.withLock { $0.answered += 1 }
                        } catch {
                            state.withLock { if $0.stopping { $0.refused += 1 } }
                        }
                    }
                }
            })
        }
        let streams = try (0 ..< 2).map { _ in
            let stream = try LoopbackConnection(port: port, timeoutSeconds: 10)
            try stream.write(Array("GET /api/documents/1/stream?\(query) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8))
            return stream
        }
        for stream in streams { _ = await offThread { try? stream.readEvent() } }
        #expect(await offThread { ProcessTable.eventually(within: .seconds(10)) { state.withLock { $0.answered >= 20 } } })
        state.withLock { $0.stopping = true }
        await harness.stop()
        for thread in threads { await thread.value }
        for stream in streams {
            let events = await offThread { () -> [String?] in
                var names: [String?] = []
                while let event = try? stream.readEvent() { names.append(event.event) }
                return names
            }
            #expect(events.last == "closed")
        }
        #expect(state.withLock { $0.refused } > 0)
    }
}
