import Foundation
import Hummingbird
import SiteExport
import TaskService

/// The task routes (behind ``RequestGuard``, so token, `Host` and `Origin` are checked):
///
/// | route | what |
/// |---|---|
/// | `POST /api/tasks/export` | `{"source","destination","strict"?}`: 202 with the task's id and URLs; 400, 403 (outside the export folders) or 409 (an export into that folder runs) |
/// | `GET /api/tasks` | the tasks still known, as JSON |
/// | `GET /api/tasks/{id}` | one task's status |
/// | `GET /api/tasks/{id}/stream` | its events (SSE), ending with its final event |
/// | `DELETE /api/tasks/{id}` | cancel it: 200 (it was queued), 202 (it was asked to stop), 409 (it ended or is finishing) |
extension PreviewServer {
    func addTaskRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/tasks/export") { request, _ in
            let body = try await request.body.collect(upTo: self.configuration.maxRequestBodyBytes)
            guard let export = try? JSONDecoder().decode(ExportRequest.self, from: Data(buffer: body)) else {
                return Self.json(["error": "expected {\"source\": folder, \"destination\": folder, \"strict\": bool (optional)}"], status: .badRequest)
            }
            return self.startExport(export)
        }
        router.get("/api/tasks") { _, _ in Self.json(TaskList(tasks: self.tasks.tasks)) }
        router.get("/api/tasks/:id") { _, context in
            guard let status = self.tasks.status(of: try context.parameters.require("id")) else { throw HTTPError(.notFound) }
            return Self.json(status)
        }
        router.get("/api/tasks/:id/stream") { _, context in
            guard let events = self.tasks.events(of: try context.parameters.require("id")) else { throw HTTPError(.notFound) }
            return TaskEventStream.response(for: events)
        }
        router.delete("/api/tasks/:id") { _, context in
            let id = try context.parameters.require("id")
            switch self.tasks.cancel(id) {
            case .cancelled: return Self.json(self.tasks.status(of: id), status: .ok)
            case .requested: return Self.json(self.tasks.status(of: id), status: .accepted)
            case .finishing: return Self.json(["error": "the task is replacing its destination; too late to cancel"], status: .conflict)
            case .alreadyEnded(let state): return Self.json(["error": "the task has ended (\(state.rawValue))"], status: .conflict)
            case .unknown: throw HTTPError(.notFound)
            }
        }
    }

    private func startExport(_ request: ExportRequest) -> Response {
        guard let base = configuration.exportRoots.first else {
            return Self.json(["error": "this server allows no exports (no export folders configured)"], status: .forbidden)
        }
        let locations: ExportLocations
        do {
            locations = try ExportLocations.resolve(source: request.source, destination: request.destination, roots: configuration.exportRoots, base: base)
        } catch {
            return Self.json(["error": error.description], status: error.isForbidden ? .forbidden : .badRequest)
        }
        do {
            let id = try tasks.submit(SiteExport(locations: locations, renderer: exportRenderer, strict: request.strict ?? false))
            var response = Self.json(TaskCreated(id: id, state: .queued, status: "/api/tasks/\(id)", stream: "/api/tasks/\(id)/stream"), status: .accepted)
            response.headers[.location] = "/api/tasks/\(id)"
            return response
        } catch {
            switch error {
            case .busy(let running):
                return Self.json(TaskConflict(error: "an export into \(locations.destination) is running", running: running), status: .conflict)
            case .shutDown:
                return Self.json(["error": error.description], status: .serviceUnavailable)
            }
        }
    }
}

/// `POST /api/tasks/export`'s body.
struct ExportRequest: Codable {
    var source: String
    var destination: String
    var strict: Bool?
}

/// The 202 answer to a new task: its id, state and URLs.
struct TaskCreated: Codable {
    var id: String
    var state: TaskState
    var status: String
    var stream: String
}

/// The 409 answer to a second export into one folder.
struct TaskConflict: Codable {
    var error: String
    var running: String
}

/// `GET /api/tasks`: `{"tasks":[…]}`.
struct TaskList: Encodable {
    var tasks: [TaskStatus]
}
