import Foundation
import MarkdownRenderer
import PreviewServer
import PreviewTasks
import Primitives
import SiteExport
import TaskService
import Testing
import TestSupport
import ThreadPool

/// A preview server whose exports may use `root/` of a temporary folder, on a task
/// service with a manual clock and no automatic ticks; its renders can be held at a
/// gate, so a test decides when an export moves on.
final class TaskServerHarness: Sendable {
    let folder: TemporaryFolder
    let clock = ManualClock()
    let tasks: TaskService
    let server: PreviewServer
    let token = AccessToken("task-token-0123456789")
    /// Renders started, and whether they may finish.
    private let gate = Locked((started: 0, open: true))

    init(ttl: Duration = .seconds(600), exportRoots: [String]? = nil) async throws {
        folder = try TemporaryFolder()
        try MarkdownTree.write(12, into: folder, under: "root/docs")
        tasks = TaskService(configuration: .init(timeToLive: ttl, tickInterval: nil), clock: clock)
        let gate = gate
        // Renders wait at the gate; a cancel or timeout interrupts the waiting one.
        let renderer = PageRenderer {
            let interrupted = Locked(false)
            return PageRenderer.Session(
                render: { markdown in
                    gate.withLock { $0.started += 1 }
                    gate.broadcast()
                    let stopped = gate.withLock(waitingUntil: { $0.open || interrupted.withLock { $0 } }, deadline: .now.advanced(by: .seconds(60))) { state, _ in !state.open }
                    if stopped { throw SiteWriteError.cannotRead("page", "interrupted") }
                    if markdown.starts(with: Array("FAIL".utf8)) { throw SiteWriteError.cannotRead("page", "refused by the test") }
                    return MarkdownRenderer().renderUTF8(bytes: markdown)
                },
                interrupt: {
                    interrupted.withLock { $0 = true }
                    gate.broadcast()
                }
            )
        }
        let routes = TaskRoutes(tasks: tasks, exportRoots: exportRoots ?? [folder.path + "/root"], renderer: renderer)
        server = PreviewServer(configuration: .init(token: token, highlightScriptPath: "/nonexistent"), additions: [routes.addition])
        try await server.start()
    }

    var port: Int { server.boundPort }
    var root: String { folder.path + "/root" }
    var query: String { "token=\(token.value)" }

    /// Makes renders wait at the gate (`open: false`) or lets them through.
    func holdRenders(_ hold: Bool) {
        gate.withLock { $0.open = !hold }
        gate.broadcast()
    }

    /// Waits until `count` renders have started.
    func waitForRenders(_ count: Int) async -> Bool {
        let gate = gate
        return await offThread { gate.withLock(waitingUntil: { $0.started >= count }, deadline: .now.advanced(by: .seconds(30))) { _, ready in ready } }
    }

    /// Starts an export of `docs` into `site` whose renders wait at the gate, and waits
    /// until its first render does; returns its id.
    func startHeldExport() async throws -> String {
        holdRenders(true)
        let (_, json) = try await export()
        let id = try #require(json["id"] as? String)
        #expect(await waitForRenders(1))
        return id
    }

    /// A reader of task `id`'s event stream.
    func stream(of id: String) -> TaskStreamReader {
        TaskStreamReader(port: port, path: "/api/tasks/\(id)/stream?\(query)")
    }

    /// Posts an export and returns the response and its JSON.
    func export(source: String = "docs", destination: String = "site", strict: Bool? = nil, headers: [String] = []) async throws -> (LoopbackResponse, [String: Any]) {
        var body: [String: Any] = ["source": source, "destination": destination]
        if let strict { body["strict"] = strict }
        let response = try await LoopbackHTTP.post(port: port, "/api/tasks/export?\(query)", body: Array(try JSONSerialization.data(withJSONObject: body)), headers: headers)
        return (response, Self.json(response))
    }

    func get(_ path: String) async throws -> (LoopbackResponse, [String: Any]) {
        let response = try await LoopbackHTTP.get(port: port, path + (path.contains("?") ? "&" : "?") + query)
        return (response, Self.json(response))
    }

    static func json(_ response: LoopbackResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }

    func stop() async {
        holdRenders(false)
        await server.stop()
        tasks.shutdown()
    }
}

/// Reads one task's event stream on a thread of its own.
final class TaskStreamReader: Sendable {
    private let state = Locked((events: [ReceivedEvent](), connected: false, ended: false, failure: String?.none))

    init(port: Int, path: String) {
        let state = state
        Thread {
            do {
                let connection = try LoopbackConnection(port: port, timeoutSeconds: 60)
                defer { connection.close() }
                try connection.write(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8))
                let head = try connection.readHead()
                guard head.status == 200 else { throw LoopbackConnection.Failure(description: "status \(head.status)") }
                state.withLock { $0.connected = true }
                state.broadcast()
                while let event = try connection.readEvent() {
                    state.withLock { $0.events.append(event) }
                    state.broadcast()
                }
            } catch {
                state.withLock { $0.failure = String(describing: error) }
            }
            state.withLock { $0.ended = true }
            state.broadcast()
        }.start()
    }

    /// Waits until the response head arrived (the subscription exists).
    func waitUntilConnected() async -> Bool {
        let state = state
        return await offThread { state.withLock(waitingUntil: { $0.connected || $0.ended }, deadline: .now.advanced(by: .seconds(30))) { state, _ in state.connected } }
    }

    /// Waits until `predicate` holds for the events read so far.
    func waitFor(_ predicate: @escaping @Sendable ([ReceivedEvent]) -> Bool) async -> Bool {
        let state = state
        return await offThread { state.withLock(waitingUntil: { predicate($0.events) || $0.ended }, deadline: .now.advanced(by: .seconds(30))) { state, _ in predicate(state.events) } }
    }

    /// Waits for the end of the response and returns every event (nil if it did not end).
    func waitForEnd() async -> [ReceivedEvent]? {
        let state = state
        return await offThread { state.withLock(waitingUntil: { $0.ended }, deadline: .now.advanced(by: .seconds(30))) { state, ended in ended ? state.events : nil } }
    }

    var failure: String? { state.withLock { $0.failure } }
}

extension ReceivedEvent {
    /// The `data:` as a JSON object.
    var json: [String: Any] {
        (data.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }) ?? [:]
    }
}
