public import Hummingbird
public import PreviewServer
public import SiteExport
public import TaskService

/// The task routes and panel of the live page, as an addition to a ``PreviewServer``
/// (behind its ``RequestGuard``, so token, `Host` and `Origin` are checked):
///
/// | route | what |
/// |---|---|
/// | `POST /api/tasks/export` | `{"source","destination","strict"?}`: 202 with the task's id and URLs; 400, 403 (outside the export folders) or 409 (an export into that folder runs) |
/// | `GET /api/tasks` | the tasks still known, as JSON |
/// | `GET /api/tasks/{id}` | one task's status |
/// | `GET /api/tasks/{id}/stream` | its events (SSE), ending with its final event |
/// | `DELETE /api/tasks/{id}` | cancel it: 200 (it was queued), 202 (it was asked to stop), 409 (it ended or is finishing) |
///
/// Errors answer `{"error": "…"}`. See `Docs/TASKS.md`.
public struct TaskRoutes: Sendable {
    /// Where the exports run.
    public let tasks: TaskService
    /// The folders exports may read from and write into (relative paths in a request are
    /// taken from the first); none: exports are refused.
    public let exportRoots: [String]
    /// How exports render their pages.
    public let renderer: PageRenderer

    /// Routes that run exports of `exportRoots` on `tasks`, rendering with `renderer`.
    public init(tasks: TaskService, exportRoots: [String], renderer: PageRenderer) {
        self.tasks = tasks
        self.exportRoots = exportRoots
        self.renderer = renderer
    }

    /// The routes and the panel, for ``PreviewServer/init(configuration:additions:reveal:)``;
    /// shutting the addition down shuts `tasks` down (running exports stop and remove
    /// their temporary folders).
    public var addition: PreviewServerAddition {
        PreviewServerAddition(routes: collection(configuration:), page: TaskPanel.part, shutdown: { [tasks] in tasks.shutdown() })
    }

    @Sendable func collection(configuration: PreviewServerConfiguration) -> RouteCollection<PreviewRequestContext> {
        let routes = RouteCollection(context: PreviewRequestContext.self)
        let bodyLimit = configuration.maxRequestBodyBytes
        routes.post("/api/tasks/export") { request, context in
            var request = request
            guard let export = try await request.decodeJSON(ExportRequest.self, limit: bodyLimit, context: context) else {
                throw JSONError(.badRequest, "expected {\"source\": folder, \"destination\": folder, \"strict\": bool (optional)}")
            }
            return try self.startExport(export)
        }
        routes.get("/api/tasks") { _, _ in TaskList(tasks: self.tasks.tasks) }
        routes.get("/api/tasks/:id") { _, context in try self.status(of: context.parameters.require("id")) }
        routes.get("/api/tasks/:id/stream") { _, context in
            guard let events = self.tasks.events(of: try context.parameters.require("id")) else { throw HTTPError(.notFound) }
            return TaskEventStream.response(for: events)
        }
        routes.delete("/api/tasks/:id") { _, context in
            let id = try context.parameters.require("id")
            switch self.tasks.cancel(id) {
            case .cancelled: return EditedResponse(status: .ok, response: try self.status(of: id))
            case .requested: return EditedResponse(status: .accepted, response: try self.status(of: id))
            case .finishing: throw JSONError(.conflict, "the task is replacing its destination; too late to cancel")
            case .alreadyEnded(let state): throw JSONError(.conflict, "the task has ended (\(state.rawValue))")
            case .unknown: throw HTTPError(.notFound)
            }
        }
        return routes
    }

    /// Task `id`'s status; 404 when it is not known.
    private func status(of id: String) throws -> TaskStatus {
        guard let status = tasks.status(of: id) else { throw HTTPError(.notFound) }
        return status
    }

    private func startExport(_ request: ExportRequest) throws -> EditedResponse<TaskCreated> {
        guard let base = exportRoots.first else {
            throw JSONError(.forbidden, "this server allows no exports (no export folders configured)")
        }
        let locations: ExportLocations
        do {
            locations = try ExportLocations.resolve(source: request.source, destination: request.destination, roots: exportRoots, base: base)
        } catch {
            throw JSONError(error.isForbidden ? .forbidden : .badRequest, error.description)
        }
        do {
            let id = try tasks.submit(SiteExport(locations: locations, renderer: renderer, strict: request.strict ?? false))
            return EditedResponse(
                status: .accepted, headers: [.location: "/api/tasks/\(id)"],
                response: TaskCreated(id: id, state: .queued, status: "/api/tasks/\(id)", stream: "/api/tasks/\(id)/stream")
            )
        } catch {
            switch error {
            case .busy(let running):
                throw JSONError(.conflict, "an export into \(locations.destination) is running", details: ["running": running])
            case .shutDown:
                throw JSONError(.serviceUnavailable, error.description)
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
struct TaskCreated: Codable, ResponseEncodable {
    var id: String
    var state: TaskState
    var status: String
    var stream: String
}

/// `GET /api/tasks`: `{"tasks":[…]}`.
struct TaskList: Encodable, ResponseEncodable {
    var tasks: [TaskStatus]
}

extension TaskStatus: ResponseEncodable {}
