import Foundation
public import MarkdownRenderer
public import PreviewEngine
public import PreviewServer
import Primitives

/// The live page's links between documents, for `serve` and `stdio --http`: opens a
/// Markdown file the page links to as a document of its own (rendered by the same
/// engine with the same options, followed on disk with a ``FileWatcher``), or finds the
/// document already showing it. At most ``limit`` files are opened this way.
public final class LinkedFileDocuments: Sendable {
    private let engine: PreviewEngine
    private let server: PreviewServer
    private let options: RenderOptions
    /// The most files opened on demand.
    public let limit: Int
    /// The prefix of the names of documents opened on demand (so they cannot clash with
    /// an editor's names).
    public static let namePrefix = "linked:"

    private struct State {
        /// Real path → the name of the document showing it (the editor's or ours).
        var names: [String: String] = [:]
        var watchers: [String: FileWatcher] = [:]
    }
    private let state = Locked(State())

    /// Opens files for `server`'s pages with `engine`, rendering them with `options`.
    public init(engine: PreviewEngine, server: PreviewServer, options: RenderOptions, limit: Int = 64) {
        self.engine = engine
        self.server = server
        self.options = options
        self.limit = limit
    }

    /// Whether `name` is a document this opened (its events are for the page only).
    public static func isLinked(_ name: String) -> Bool { name.hasPrefix(namePrefix) }

    /// Records that the document `name` (opened by the editor or the command) shows the
    /// file at `path`, so links to that file reach it.
    public func register(_ name: String, path: String?) {
        guard let path, let real = DocumentFiles.realPath(of: path) else { return }
        state.withLock { $0.names[real] = name }
    }

    /// Forgets the document `name`.
    public func unregister(_ name: String) {
        state.withLock { state in state.names = state.names.filter { $0.value != name } }
    }

    /// The name of the document showing the file at the real path `path`, opened now
    /// when none does; nil when it cannot be read or the limit is reached.
    public func open(_ path: String) -> String? {
        if let name = state.withLock({ $0.names[path] }), server.url(ofDocument: name) != nil { return name }
        guard state.withLock({ $0.watchers.count }) < limit, let data = FileManager.default.contents(atPath: path) else { return nil }
        let name = Self.namePrefix + path
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        server.open(name, folder: folder.isEmpty ? "/" : folder, rawHTML: options.allowsUnsafeHTML, title: path.split(separator: "/").last.map(String.init))
        do {
            try engine.open(name, text: String(decoding: data, as: UTF8.self), renderOptions: options)
        } catch {
            if case .documentAlreadyOpen = error { return name }
            server.close(name)
            return nil
        }
        let engine = engine
        let watcher = try? FileWatcher(path: path) {
            guard let data = FileManager.default.contents(atPath: path) else { return }
            let text = String(decoding: data, as: UTF8.self)
            guard (try? engine.snapshot(of: name).text) != text else { return }
            _ = try? engine.replaceText(name, with: text)
        }
        state.withLock { state in
            state.names[path] = name
            if let watcher { state.watchers[path] = watcher }
        }
        return name
    }

    /// Stops following the files opened on demand.
    public func stop() {
        for watcher in state.withLock({ $0.watchers.values }) { watcher.stop() }
    }
}
