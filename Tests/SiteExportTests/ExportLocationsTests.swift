import Foundation
import Testing
import SiteExport
import TestSupport

@Suite("ExportLocations")
struct ExportLocationsTests {
    /// A root holding `docs/` (a source), `out/` (an earlier export), `full/` (a user's
    /// folder), `empty/`, a link to a folder outside the root, and that outside folder.
    private func layout() throws -> (root: String, outside: TemporaryFolder, folder: TemporaryFolder) {
        let folder = try TemporaryFolder()
        let outside = try TemporaryFolder()
        try folder.write("root/docs/a.md", "# A\n")
        try folder.write("root/out/.mdpreview-export", "")
        try folder.write("root/full/keep.txt", "mine")
        try FileManager.default.createDirectory(atPath: folder.path + "/root/empty", withIntermediateDirectories: true)
        try folder.write("secret/b.md", "# B\n")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/root/escape", withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/root/linked-out", withDestinationPath: folder.path + "/root/out")
        return (folder.path + "/root", outside, folder)
    }

    @Test("a source and destination inside the root resolve to real paths")
    func resolves() throws {
        let (root, outside, folder) = try layout()
        defer { withExtendedLifetime((outside, folder)) {} }
        let relative = try ExportLocations.resolve(source: "docs", destination: "site", roots: [root], base: root)
        #expect(relative.source == root + "/docs" && relative.destination == root + "/site" && relative.parent == root && relative.name == "site")
        let replacing = try ExportLocations.resolve(source: root + "/docs/", destination: root + "/out/", roots: [root], base: "/")
        #expect(replacing.destination == root + "/out")
        #expect(try ExportLocations.resolve(source: "docs", destination: "empty", roots: [root], base: root).destination == root + "/empty")
        #expect(try ExportLocations.resolve(source: "./docs/../docs", destination: "docs/../new", roots: [root], base: root).destination == root + "/new")
    }

    @Test("traversal and confinement: every attempt is refused", arguments: [
        ("../secret", "site", "outside"),
        ("docs", "../site", "outside"),
        ("docs/../../secret", "site", "outside"),
        ("escape", "site", "outside"),
        ("docs", "escape/site", "outside"),
        ("/", "site", "outside"),
        ("/etc", "site", "outside"),
        ("docs", "/tmp/site", "outside"),
        ("docs", "docs", "inside"),
        ("docs", "docs/site", "inside"),
        ("docs", "docs/../docs/x", "inside"),
        ("docs", ".", "name"),
        ("docs", "..", "name"),
        ("docs", ".hidden", "name"),
        ("docs", "", "invalid"),
        ("do␀cs", "site", "invalid"),
        ("docs", "si␀te", "invalid"),
        ("missing", "site", "missing"),
        ("docs/a.md", "site", "folder"),
        ("docs", "nowhere/site", "missing"),
        ("docs", "full", "replace"),
        ("docs", "docs/a.md/x", "missing"),
        ("docs", "linked-out", "replace"),
    ])
    func refuses(source: String, destination: String, kind: String) throws {
        // `␀` stands for a NUL byte, which would garble the test's name in logs.
        let source = source.replacingOccurrences(of: "␀", with: "\u{0}")
        let destination = destination.replacingOccurrences(of: "␀", with: "\u{0}")
        let (root, outside, folder) = try layout()
        defer { withExtendedLifetime((outside, folder)) {} }
        do {
            _ = try ExportLocations.resolve(source: source, destination: destination, roots: [root], base: root)
            Issue.record("\(source) → \(destination) was accepted")
        } catch {
            let expected: Bool = switch (kind, error) {
            case ("outside", .outsideRoots), ("inside", .destinationInsideSource), ("name", .badName), ("invalid", .invalid),
                 ("missing", .missing), ("folder", .notAFolder), ("replace", .notReplaceable): true
            default: false
            }
            #expect(expected, "\(source) → \(destination): \(error)")
            #expect(error.isForbidden == (kind == "outside"))
        }
    }

    @Test("a source inside the destination is refused: replacing the destination would remove it")
    func sourceInsideDestination() throws {
        let (root, outside, folder) = try layout()
        defer { withExtendedLifetime((outside, folder)) {} }
        try FileManager.default.createDirectory(atPath: root + "/out/docs", withIntermediateDirectories: true)
        #expect(throws: ExportPathError.sourceInsideDestination("out/docs")) {
            try ExportLocations.resolve(source: "out/docs", destination: "out", roots: [root], base: root)
        }
    }
}
