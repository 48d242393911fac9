import Primitives

/// The sanitized HTML of recent blocks, by their HTML before sanitizing: two generations
/// of at most ``generationBytes`` each (a lookup that hits the older one moves the entry
/// to the newer; when the newer is full it becomes the older). Lookups and stores are
/// O(length of the HTML) (hashing it) under one lock.
final class SanitizedBlocks: Sendable {
    static let shared = SanitizedBlocks()
    /// The bytes of HTML (keys and values) one generation holds.
    static let generationBytes = 8 << 20

    private struct Generations {
        var newer: [String: String] = [:]
        var older: [String: String] = [:]
        var newerBytes = 0
    }
    private let state = Locked(Generations())

    func lookup(_ html: String) -> String? {
        state.withLock { state in
            if let found = state.newer[html] { return found }
            guard let found = state.older.removeValue(forKey: html) else { return nil }
            Self.insert(found, for: html, into: &state)
            return found
        }
    }

    func store(_ sanitized: String, for html: String) {
        state.withLock { Self.insert(sanitized, for: html, into: &$0) }
    }

    private static func insert(_ sanitized: String, for html: String, into state: inout Generations) {
        let size = html.utf8.count + sanitized.utf8.count
        guard size <= generationBytes / 4 else { return }   // a huge block is not kept
        if state.newerBytes + size > generationBytes {
            state.older = state.newer
            state.newer = [:]
            state.newerBytes = 0
        }
        state.newer[html] = sanitized
        state.newerBytes += size
    }
}
