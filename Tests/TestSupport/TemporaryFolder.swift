import EditTraces
import Foundation

/// A folder under the system's temporary directory, removed with everything in it when
/// the value goes.
public final class TemporaryFolder: Sendable {
    /// Its absolute, real path.
    public let path: String

    /// Creates a fresh folder.
    public init() throws {
        var template = Array((NSTemporaryDirectory() + "/mdpreview-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = URL(fileURLWithPath: String(cString: made)).resolvingSymlinksInPath().path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `bytes` at `relativePath`, creating its folders.
    public func write(_ relativePath: String, bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path + "/" + relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Writes `text` at `relativePath`, creating its folders.
    public func write(_ relativePath: String, _ text: String) throws {
        try write(relativePath, bytes: Array(text.utf8))
    }

    /// The text of the file at `relativePath`, or nil.
    public func read(_ relativePath: String) -> String? {
        FileManager.default.contents(atPath: path + "/" + relativePath).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The paths of every file under `relativePath` (recursively, hidden ones too), sorted.
    public func files(under relativePath: String = "") -> [String] {
        let root = relativePath.isEmpty ? path : path + "/" + relativePath
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let next = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + next, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(next) }
        }
        return files.sorted()
    }

    /// The names directly in `relativePath` (hidden ones too), sorted.
    public func entries(of relativePath: String = "") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: relativePath.isEmpty ? path : path + "/" + relativePath)) ?? []).sorted()
    }
}

/// Seeded trees of Markdown files that link to each other, with an image beside some:
/// sources for exports.
public enum MarkdownTree {
    /// Writes `count` Markdown files under `relativePath` of `folder`, ten to a
    /// subfolder, each with a heading, a paragraph, a list, a code block, a table and
    /// links to two other files; every tenth has an image. Returns the Markdown paths.
    @discardableResult
    public static func write(_ count: Int, into folder: TemporaryFolder, under relativePath: String, seed: UInt64 = 1) throws -> [String] {
        var generator = SplitMix64(seed: seed)
        let paths = (0 ..< count).map { index in "part\(index / 10)/page\(index).md" }
        for (index, path) in paths.enumerated() {
            let other = Int(generator.next() % UInt64(count))
            let words = (0 ..< 30).map { _ in ["alpha", "beta", "gamma", "delta", "**bold**", "`code`", "*em*"][Int(generator.next() % 7)] }
            var text = "# Page \(index)\n\n\(words.joined(separator: " ")).\n\n"
            text += "- see [page \(other)](../part\(other / 10)/page\(other).md#page-\(other))\n- and [the first](../part0/page0.md)\n\n"
            text += "```swift\nlet value = \(generator.next() % 1000)\n```\n\n| a | b |\n|---|---|\n| \(index) | \(other) |\n"
            if index % 10 == 0 {
                text += "\n![figure](figure\(index).png)\n"
                try folder.write(relativePath + "/part\(index / 10)/figure\(index).png", bytes: (0 ..< 64).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            }
            try folder.write(relativePath + "/" + path, text)
        }
        return paths
    }
}
