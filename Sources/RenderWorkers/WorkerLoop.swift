import CProcessControl
import MarkdownRenderer
#if canImport(Glibc)
import Glibc
#endif

/// The body of a render worker process (`mdpreview render-worker`): it arranges to die
/// with its parent, caps its own address space, writes ``WorkerFrame/ready``, then
/// answers render frames from standard input on standard output, one at a time, until
/// standard input ends.
package enum WorkerLoop {
    /// Why a worker could not start.
    package enum StartError: Error, Equatable {
        /// The process that started it is already gone (it was reparented).
        case orphaned
        /// `setrlimit(RLIMIT_AS)` failed with this errno.
        case memoryLimit(Int32)
    }

    /// Dies with SIGKILL when the parent `parentPID` dies (also when it is SIGKILLed),
    /// and, when `memoryLimit` is given, lets the address space grow by at most that
    /// many bytes beyond what is mapped now.
    package static func prepare(parentPID: Int32, memoryLimit: Int?) throws(StartError) {
        _ = process_control_set_parent_death_signal(SIGKILL)
        // The parent may have died before the death signal was armed.
        guard getppid() == parentPID else { throw .orphaned }
        if let memoryLimit {
            // The cap is on top of what the process has mapped already, which is small
            // normally but terabytes of reserved shadow memory under a sanitizer.
            let total = addressSpaceInUse() + memoryLimit
            var limit = rlimit(rlim_cur: rlim_t(total), rlim_max: rlim_t(total))
            guard setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0 else { throw .memoryLimit(errno) }
        }
    }

    /// Serves frames from `input` to `output` until `input` ends or a frame is bad.
    /// Returns the exit status: 0 at the end of input, 65 for a bad frame, 74 when a
    /// reply cannot be written. A request whose text contains `hangMarker` (tests only:
    /// a render that never ends, without burning a core) is never answered: the worker
    /// waits to be killed.
    package static func serve(input: Int32 = 0, output: Int32 = 1, hangMarker: [UInt8]? = nil) -> Int32 {
        guard writeAll([WorkerFrame.ready], to: output) else { return 74 }
        var header = [UInt8](repeating: 0, count: WorkerFrame.requestHeaderLength)
        var text: [UInt8] = []
        while true {
            switch readFully(input, into: &header, count: header.count) {
            case .end: return 0
            case .failed: return 74
            case .read: break
            }
            let request: (markdownLength: Int, options: RenderOptions, kind: WorkerFrame.RequestKind)
            do throws(WorkerFrame.DecodingError) {
                request = try WorkerFrame.decodeRequestHeader(header)
            } catch {
                return 65
            }
            if text.count < request.markdownLength { text = [UInt8](repeating: 0, count: request.markdownLength) }
            guard case .read = readFully(input, into: &text, count: request.markdownLength) else { return 65 }
            if let hangMarker, !hangMarker.isEmpty,
               text[..<request.markdownLength].firstRange(of: hangMarker) != nil {
                while true { pause() }
            }
            let renderer = MarkdownRenderer(options: request.options)
            let written = text.withUnsafeBufferPointer { buffer in
                let markdown = UnsafeBufferPointer(rebasing: buffer[..<request.markdownLength])
                switch request.kind {
                case .html:
                    return renderer.withRenderedUTF8(of: markdown) { html in
                        writeAll(WorkerFrame.replyHeader(htmlLength: html.count), to: output)
                            && writeAll(UnsafeRawBufferPointer(html), to: output)
                    }
                case .blocks:
                    let reply = WorkerFrame.encode(renderer.parseBlocks(utf8: markdown))
                    return writeAll(WorkerFrame.replyHeader(htmlLength: reply.count), to: output)
                        && reply.withUnsafeBytes { writeAll($0, to: output) }
                }
            }
            guard written else { return 74 }
            // A large request leaves a large buffer behind; do not keep it between renders.
            if text.count > 1 << 22 { text = [] }
        }
    }

    /// The bytes of address space this process has mapped (`/proc/self/statm`), 0 if
    /// unknown.
    private static func addressSpaceInUse() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 128)
        let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 128) }
        guard got > 0, let pages = Int(String(decoding: bytes.prefix(got).prefix { $0 != 0x20 }, as: UTF8.self)) else { return 0 }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }

    private enum ReadResult { case read, end, failed }

    /// Fills the first `count` bytes of `buffer` from `fd`; `.end` when the input ends
    /// before the first byte.
    private static func readFully(_ fd: Int32, into buffer: inout [UInt8], count: Int) -> ReadResult {
        var filled = 0
        while filled < count {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, count - filled) }
            if got > 0 { filled += got; continue }
            if got < 0 && errno == EINTR { continue }
            return filled == 0 && got == 0 ? .end : .failed
        }
        return .read
    }
}
