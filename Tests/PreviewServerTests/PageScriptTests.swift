import Foundation
@testable import PreviewServer
@testable import PreviewTasks
import Testing
import TestSupport

/// The page's scripts are .js files (`Sources/*/Page`), embedded in the binary by
/// `./dev page-scripts`; their pure part is tested by node against the patch vectors.
@Suite("the page's scripts")
struct PageScriptTests {
    static let runsNode = SharedData.isCI || Subprocess.which("node") != nil

    private func source(_ path: String) throws -> String {
        try String(contentsOf: SharedData.packageRoot.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("the embedded scripts are the .js files byte for byte (run ./dev page-scripts after editing them)")
    func embeddedScriptsAgree() throws {
        #expect(PageScript.patch == (try source("Sources/PreviewServer/Page/patch.js")))
        #expect(PageScript.page == (try source("Sources/PreviewServer/Page/page.js")))
        #expect(TaskPanel.script == (try source("Sources/PreviewTasks/Page/task-panel.js")))
    }

    @Test("node --test Tests/PageScripts: PreviewPatch follows the patch vectors", .enabled(if: runsNode, "needs nodejs"))
    func nodeTests() throws {
        guard let node = Subprocess.which("node") else {
            Issue.record("node is not installed (./dev installs Debian's nodejs)")
            return
        }
        let result = try Subprocess.run(node, ["--test", SharedData.packageRoot.appendingPathComponent("Tests/PageScripts").path])
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        #expect(result.stdoutText.contains("# fail 0") && !result.stdoutText.contains("# pass 0"), "\(result.stdoutText)")
    }
}
