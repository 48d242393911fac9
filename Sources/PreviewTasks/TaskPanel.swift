import PreviewServer

/// The page's task panel: the running and queued tasks (and those that ended in the last
/// 30 s), each with its destination, state, a progress bar, its message, its error or
/// (for a completed export) what it wrote, and a Cancel button that sends
/// `DELETE /api/tasks/{id}`.
///
/// It polls `GET /api/tasks`: every 500 ms while a task is active, every 5 s otherwise
/// and while the page is hidden. `window.previewTasks` exposes what it
/// shows, for tests.
enum TaskPanel {
    /// The panel as a part of the page.
    static let part = PagePart(element: element, style: style, script: script)

    /// The panel's (empty, hidden) element.
    static let element = "<aside id=\"tasks\" hidden aria-label=\"Tasks\" aria-live=\"polite\"></aside>"

    /// Its style (its script, `script`, is Page/task-panel.js).
    static let style = """
    #tasks { position: fixed; left: 0.75em; bottom: 0.75em; width: 22em; max-width: calc(100vw - 1.5em); display: flex; flex-direction: column; gap: 0.5em; font: 12px/1.4 system-ui, sans-serif; z-index: 10; }
    #tasks[hidden] { display: none; }
    #tasks .task { background: var(--code-bg); color: var(--fg); border: 1px solid var(--border); border-radius: 6px; padding: 0.5em 0.7em; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.12); }
    #tasks .task-title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    #tasks progress { width: 100%; height: 0.6em; }
    #tasks .task-message { color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    #tasks .task[data-state="failed"] .task-message, #tasks .task[data-state="timed_out"] .task-message { color: #d1242f; }
    #tasks button { font: inherit; margin-top: 0.3em; }
    """
}
