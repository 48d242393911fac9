import Foundation
import Testing

/// `Docs/ARCHITECTURE.md` names exactly the modules and library products the package has.
@Suite("Docs/ARCHITECTURE.md agrees with Package.swift")
struct ArchitectureDocTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// What a regular expression's first group matches in `text`, in order.
    static func matches(_ pattern: String, in text: String) throws -> [String] {
        let expression = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test("every folder of Sources is a row of the module table and a target of Package.swift, and every row is a folder")
    func modules() throws {
        let architecture = try Self.read("Docs/ARCHITECTURE.md")
        let manifest = try Self.read("Package.swift")
        let rows = Set(try Self.matches(#"^\| `([^`]+)` \|"#, in: architecture)).subtracting(["Editors/nvim", "Benchmarks/*"])
        let folders = Set(try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path))
        let targets = Set(try Self.matches(#"\.(?:target|executableTarget|systemLibrary)\(\s*name: "([^"]+)""#, in: manifest))
        #expect(rows == folders, "in the table, not in Sources: \(rows.subtracting(folders).sorted()); in Sources, not in the table: \(folders.subtracting(rows).sorted())")
        #expect(folders.isSubset(of: targets), "folders that are no target: \(folders.subtracting(targets).sorted())")
    }

    @Test("the products paragraph names every library product, and only those")
    func products() throws {
        let architecture = try Self.read("Docs/ARCHITECTURE.md")
        let manifest = try Self.read("Package.swift")
        let libraries = Set(try Self.matches(#"\.library\(name: "([^"]+)""#, in: manifest))
        let targets = Set(try Self.matches(#"\.(?:target|executableTarget|systemLibrary)\(\s*name: "([^"]+)""#, in: manifest))
        let paragraph = try #require(architecture.components(separatedBy: "\n\n").first { $0.hasPrefix("**Products.**") })
            .replacingOccurrences(of: "\n", with: " ")
        let sentences = paragraph.components(separatedBy: ". ")
        let ownOnly = try #require(sentences.first { $0.contains("own targets only") })
        let named = Set(try Self.matches(#"`([A-Za-z]+)`"#, in: paragraph)).intersection(targets)
        let internalModules = Set(try Self.matches(#"`([A-Za-z]+)`"#, in: ownOnly))
        #expect(named.subtracting(internalModules) == libraries,
                "products not named: \(libraries.subtracting(named).sorted()); named, not products: \(named.subtracting(internalModules).subtracting(libraries).sorted())")
        #expect(internalModules.isDisjoint(with: libraries), "said to serve the package only, but products: \(internalModules.intersection(libraries).sorted())")
    }
}
