import Foundation
import Testing
import TestSupport

/// The task routes: every endpoint and event, over HTTP.
@Suite("task routes")
struct TaskRoutesTests {
    @Test("an export: 202 with its URLs; the stream brings task_started, progress_update and task_completed; status and list agree; the site is there")
    func exportEndToEnd() async throws {
        let harness = try await TaskServerHarness()
        harness.holdRenders(true)
        let (created, json) = try await harness.export()
        #expect(created.status == 202)
        let id = try #require(json["id"] as? String)
        #expect(json["state"] as? String == "queued" && json["status"] as? String == "/api/tasks/\(id)" && json["stream"] as? String == "/api/tasks/\(id)/stream")
        #expect(created.header("location") == "/api/tasks/\(id)")
        let reader = harness.stream(of: id)
        #expect(await reader.waitUntilConnected())
        #expect(await harness.waitForRenders(1))
        let (running, runningJSON) = try await harness.get("/api/tasks/\(id)")
        #expect(running.status == 200 && runningJSON["state"] as? String == "running")
        harness.holdRenders(false)
        let events = try #require(await reader.waitForEnd())
        let names = events.map { $0.event ?? "" }
        #expect(names.first == "task_started" && names.last == "task_completed", "\(names)")
        #expect(names.filter { $0 == "progress_update" }.count >= 12)
        let fractions = events.filter { $0.event == "progress_update" }.compactMap { ($0.json["progress"] as? [String: Any])?["fraction"] as? Double }
        #expect(fractions == fractions.sorted() && fractions.last == 1)
        let result = try #require(events.last?.json["result"] as? [String: Any])
        #expect(result["pages"] as? Int == 12 && result["index"] as? String == "index.html")
        let (_, status) = try await harness.get("/api/tasks/\(id)")
        #expect(status["state"] as? String == "completed")
        let timings = try #require(status["timings"] as? [String: Any])
        #expect(timings["running_ms"] is Double && timings["timeout_ms"] as? Double == 180_000)
        #expect((status["parameters"] as? [String: String])?["destination"] == harness.root + "/site")
        let (_, list) = try await harness.get("/api/tasks")
        #expect((list["tasks"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
        #expect(harness.folder.files(under: "root/site").filter { !$0.hasPrefix("_mdpreview/") }.count == 12 + 2 + 2)
        await harness.stop()
    }

    @Test("DELETE while running: 202, the stream ends with task_failed (cancelled), the destination is untouched; DELETE again 409; unknown 404")
    func cancelRunning() async throws {
        let harness = try await TaskServerHarness()
        let id = try await harness.startHeldExport()
        let reader = harness.stream(of: id)
        #expect(await reader.waitUntilConnected())
        let cancel = try await LoopbackHTTP.delete(port: harness.port, "/api/tasks/\(id)?\(harness.query)")
        #expect(cancel.status == 202)
        harness.holdRenders(false)
        let events = try #require(await reader.waitForEnd())
        #expect(events.last?.event == "task_failed" && events.last?.json["state"] as? String == "cancelled")
        #expect(!FileManager.default.fileExists(atPath: harness.root + "/site"))
        #expect(harness.folder.entries(of: "root") == ["docs"], "no temporary folder left")
        #expect(try await LoopbackHTTP.delete(port: harness.port, "/api/tasks/\(id)?\(harness.query)").status == 409)
        #expect(try await LoopbackHTTP.delete(port: harness.port, "/api/tasks/0000000000000000?\(harness.query)").status == 404)
        await harness.stop()
    }

    @Test("DELETE while queued: 200, cancelled at once, never runs")
    func cancelQueued() async throws {
        let harness = try await TaskServerHarness()
        harness.holdRenders(true)
        var ids: [String] = []
        for destination in ["one", "two", "three"] {
            let (created, json) = try await harness.export(destination: destination)
            #expect(created.status == 202)
            ids.append(try #require(json["id"] as? String))
        }
        #expect(await harness.waitForRenders(2))
        let (_, queued) = try await harness.get("/api/tasks/\(ids[2])")
        #expect(queued["state"] as? String == "queued")
        let cancel = try await LoopbackHTTP.delete(port: harness.port, "/api/tasks/\(ids[2])?\(harness.query)")
        #expect(cancel.status == 200 && TaskServerHarness.json(cancel)["state"] as? String == "cancelled")
        harness.holdRenders(false)
        for id in ids.prefix(2) { _ = await harness.tasks.finalStatus(of: id) }
        #expect(harness.folder.entries(of: "root") == ["docs", "one", "two"])
        await harness.stop()
    }

    @Test("single flight: a second export into the same folder gets 409 with the running task's id")
    func singleFlight() async throws {
        let harness = try await TaskServerHarness()
        harness.holdRenders(true)
        let (_, first) = try await harness.export()
        let (conflict, json) = try await harness.export(destination: "./site/")
        #expect(conflict.status == 409)
        #expect(json["running"] as? String == first["id"] as? String)
        harness.holdRenders(false)
        _ = await harness.tasks.finalStatus(of: try #require(first["id"] as? String))
        #expect(try await harness.export().0.status == 202, "free again once the first ended")
        await harness.stop()
    }

    @Test("timeout: past its limit the export ends timed_out and the destination is untouched")
    func timeout() async throws {
        let harness = try await TaskServerHarness()
        let id = try await harness.startHeldExport()
        harness.clock.advance(by: .seconds(180))
        harness.tasks.tick()
        harness.holdRenders(false)
        let final = await harness.tasks.finalStatus(of: id)
        #expect(final?.state == .timedOut && final?.error == "timed out after 180 s")
        let (_, status) = try await harness.get("/api/tasks/\(id)")
        #expect(status["state"] as? String == "timed_out")
        #expect(harness.folder.entries(of: "root") == ["docs"])
        await harness.stop()
    }

    @Test("heartbeats: every tick while the task runs, an event-stream heartbeat")
    func heartbeats() async throws {
        let harness = try await TaskServerHarness()
        let id = try await harness.startHeldExport()
        let reader = harness.stream(of: id)
        #expect(await reader.waitUntilConnected())
        harness.tasks.tick()
        harness.tasks.tick()
        #expect(await reader.waitFor { $0.filter { $0.event == "heartbeat" }.count == 2 })
        harness.holdRenders(false)
        #expect(await reader.waitForEnd()?.last?.event == "task_completed")
        await harness.stop()
    }

    @Test("a failing export (strict, one page fails) ends with task_failed and its error")
    func failing() async throws {
        let harness = try await TaskServerHarness()
        try harness.folder.write("root/docs/broken.md", "FAIL\n")
        let (_, json) = try await harness.export(strict: true)
        let id = try #require(json["id"] as? String)
        let events = try #require(await harness.stream(of: id).waitForEnd())
        #expect(events.last?.event == "task_failed" && events.last?.json["state"] as? String == "failed")
        #expect((events.last?.json["error"] as? String)?.hasPrefix("broken.md: cannot read page: refused by the test") == true)
        #expect(harness.folder.entries(of: "root") == ["docs"])
        let (_, lenient) = try await harness.export()
        let done = await harness.tasks.finalStatus(of: try #require(lenient["id"] as? String))
        #expect(done?.state == .completed)
        await harness.stop()
    }

    @Test("a late subscriber gets the final event at once, and the stream closes")
    func lateSubscriber() async throws {
        let harness = try await TaskServerHarness()
        let (_, json) = try await harness.export()
        let id = try #require(json["id"] as? String)
        _ = await harness.tasks.finalStatus(of: id)
        let events = try #require(await harness.stream(of: id).waitForEnd())
        #expect(events.map(\.event) == ["task_completed"])
        await harness.stop()
    }

    @Test("TTL: a finished task is gone (404) once its time to live has passed")
    func timeToLive() async throws {
        let harness = try await TaskServerHarness(ttl: .seconds(30))
        let (_, json) = try await harness.export()
        let id = try #require(json["id"] as? String)
        _ = await harness.tasks.finalStatus(of: id)
        harness.clock.advance(by: .seconds(29))
        harness.tasks.tick()
        #expect(try await harness.get("/api/tasks/\(id)").0.status == 200)
        harness.clock.advance(by: .seconds(1))
        harness.tasks.tick()
        #expect(try await harness.get("/api/tasks/\(id)").0.status == 404)
        #expect(try await harness.get("/api/tasks/\(id)/stream").0.status == 404)
        #expect((try await harness.get("/api/tasks").1["tasks"] as? [Any])?.isEmpty == true)
        await harness.stop()
    }
}
