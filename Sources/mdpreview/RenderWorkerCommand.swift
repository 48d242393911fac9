import ArgumentParser
import RenderWorkers

/// `mdpreview render-worker`: the hidden worker process that `render` (and later the
/// engine) parses in, so that a pathological document can be killed without harm.
struct RenderWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-worker",
        abstract: "Serve render frames on standard input (started by mdpreview itself).",
        shouldDisplay: false
    )

    @Option(help: "The process id of the parent; the worker exits if it is not its parent.")
    var parent: Int32

    @Option(help: "The address-space limit in bytes.")
    var memoryLimit: Int?

    @Option(help: .hidden)   // tests only: a request containing this text hangs until killed
    var testHangOn: String?

    func run() throws {
        do throws(WorkerLoop.StartError) {
            try WorkerLoop.prepare(parentPID: parent, memoryLimit: memoryLimit)
        } catch {
            StandardError.write("mdpreview render-worker: \(error)")
            throw ExitCode(71)
        }
        throw ExitCode(WorkerLoop.serve(hangMarker: testHangOn.map { Array($0.utf8) }))
    }
}
