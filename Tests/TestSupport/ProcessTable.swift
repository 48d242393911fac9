public import Foundation

/// What `/proc` says about this process and its children: for leak checks.
public enum ProcessTable {
    /// Open file descriptors of this process.
    public static var openDescriptorCount: Int { descriptorCount(of: getpid()) }

    /// Threads of this process.
    public static var threadCount: Int { threadCount(of: getpid()) }

    /// Resident memory of this process in bytes (`VmRSS`).
    public static var residentBytes: Int { residentBytes(of: getpid()) }

    /// Open file descriptors of process `pid`.
    public static func descriptorCount(of pid: Int32) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).count
    }

    /// Threads of process `pid`.
    public static func threadCount(of pid: Int32) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []).count
    }

    /// Resident memory of process `pid` in bytes (`VmRSS`).
    public static func residentBytes(of pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kibibytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kibibytes * 1024
    }

    /// Children of `parent` (default: this process), zombies included, whose command line
    /// holds `argument` (e.g. `render-worker`), from `/proc/PID/stat` and `cmdline`.
    public static func children(of parent: Int32 = getpid(), running argument: String? = nil) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let fields = statFields(of: pid), fields.count > 1, Int32(fields[1]) == parent else { return nil }
            if let argument {
                let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") ?? Data()
                let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                guard arguments.contains(argument) else { return nil }
            }
            return pid
        }
    }

    /// Whether process `pid` has exited and waits to be reaped (false once it is gone).
    public static func isZombie(_ pid: Int32) -> Bool {
        statFields(of: pid)?.first == "Z"
    }

    /// User plus system CPU ticks process `pid` has used (`/proc/PID/stat` fields 14, 15).
    public static func cpuTicks(_ pid: Int32) -> Int {
        guard let fields = statFields(of: pid), fields.count > 12 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// The fields of `/proc/PID/stat` after the command name: state, ppid, …
    private static func statFields(of pid: Int32) -> [Substring]? {
        guard let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: stat, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// Processes anywhere whose command line is `… render-worker --parent PARENT …`:
    /// render workers started by `parent`, also after it died (then they would be orphans).
    public static func renderWorkers(startedBy parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let index = arguments.firstIndex(of: "--parent"), index + 1 < arguments.count,
                  arguments.contains("render-worker"), arguments[index + 1] == String(parent) else { return nil }
            return pid
        }
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether
    /// it held. For waiting on the kernel (a killed process to disappear), not on our code.
    public static func eventually(within timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
        let end = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < end {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}
