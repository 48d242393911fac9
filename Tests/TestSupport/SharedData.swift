public import Foundation

/// Locates the project's own fixtures and the shared test data beside the project.
public enum SharedData {
    /// The package root (the folder holding `Package.swift`).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `Fixtures/` of this package.
    public static var fixtures: URL { packageRoot.appendingPathComponent("Fixtures") }

    /// `../shared` beside the package, or `PREVIEWENGINE_SHARED` when set.
    public static var sharedRoot: URL {
        if let override = ProcessInfo.processInfo.environment["PREVIEWENGINE_SHARED"] {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// Whether this run is CI (`CI` set to anything but empty, `0` or `false`).
    public static var isCI: Bool {
        let value = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !["", "0", "false"].contains(value.lowercased())
    }

    /// Whether a test that needs the `../shared` folder `name` should run: always under
    /// CI (where a missing folder then fails it), elsewhere only when the folder is
    /// there. Use it as `.enabled(if: SharedData.runsTests(needing: "corpus"))`, so a
    /// missing folder reports the test as skipped instead of passing it silently.
    public static func runsTests(needing name: String) -> Bool {
        var isDirectory: ObjCBool = false
        return isCI || (FileManager.default.fileExists(atPath: sharedRoot.appendingPathComponent(name).path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    /// A folder of `../shared` (`traces`, `corpus`, `conformance`), or nil when it is
    /// missing outside CI. Under CI a missing folder is a failure, never a silent pass:
    /// this throws.
    public static func folder(_ name: String) throws -> URL? {
        let url = sharedRoot.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return url
        }
        if isCI {
            throw MissingSharedData(path: url.path)
        }
        FileHandle.standardError.write(Data("note: \(url.path) is missing; tests that need it are skipped (they fail under CI)\n".utf8))
        return nil
    }

    /// The files of a `../shared` folder whose names end in one of `suffixes`, sorted.
    public static func files(in name: String, suffixes: [String]) throws -> [URL] {
        guard let folder = try folder(name) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { url in suffixes.contains { url.lastPathComponent.hasSuffix($0) } }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}

extension FileManager {
    /// A new empty folder under the system's temporary directory, named `prefix-UUID`.
    public func makeTemporaryFolder(prefix: String) throws -> URL {
        let url = temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// `../shared` (or a folder of it) is missing while `CI` is set.
public struct MissingSharedData: Error, CustomStringConvertible {
    /// The path that was expected.
    public let path: String
    public var description: String { "shared test data missing at \(path) (required when CI is set)" }
}
