public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium driven through chromedriver's WebDriver HTTP API, for end-to-end
/// tests of the live preview page (Debian's `chromium` and `chromium-driver`).
public final class HeadlessChromium: @unchecked Sendable {
    private let driver: Process
    private let port: Int
    private let session: String

    /// Whether chromium and chromedriver are installed.
    public static var isAvailable: Bool { Subprocess.which("chromedriver") != nil && chromiumPath != nil }

    private static var chromiumPath: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts chromedriver on a free port and a headless browser session.
    public init() async throws {
        guard let chromedriver = Subprocess.which("chromedriver"), let chromium = Self.chromiumPath else {
            throw LoopbackConnection.Failure(description: "chromium and chromedriver are not installed (Debian: chromium chromium-driver)")
        }
        port = try Self.freePort()
        driver = Process()
        driver.executableURL = chromedriver
        driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        var lastError: (any Error)?
        for _ in 0 ..< 100 {
            do {
                if try await Self.request(port: port, "GET", "/status")["ready"] as? Bool == true { lastError = nil; break }
            } catch { lastError = error }
            try await Task.sleep(for: .milliseconds(50))   // chromedriver starting: no event to wait on
        }
        if let lastError { driver.terminate(); throw lastError }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "goog:chromeOptions": [
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"],
            ],
            // The DevTools events, for networkRequests().
            "goog:loggingPrefs": ["performance": "ALL"],
        ]]]
        do {
            let created = try await Self.request(port: port, "POST", "/session", capabilities)
            guard let id = created["sessionId"] as? String else { throw LoopbackConnection.Failure(description: "no session: \(created)") }
            session = id
            _ = try await Self.request(port: port, "POST", "/session/\(id)/timeouts", ["script": 30_000, "pageLoad": 30_000])
        } catch {
            driver.terminate()
            throw error
        }
    }

    /// Loads `url` and waits for the page's load event.
    public func navigate(to url: String) async throws {
        _ = try await Self.request(port: port, "POST", "/session/\(session)/url", ["url": url])
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    public func execute(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await Self.request(port: port, "POST", "/session/\(session)/execute/sync", ["script": script, "args": args])["value"]
    }

    /// Runs `script`, which calls `arguments[arguments.length - 1]` with its result
    /// (the WebDriver asynchronous script), and returns that result.
    public func executeAsync(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await Self.request(port: port, "POST", "/session/\(session)/execute/async", ["script": script, "args": args])["value"]
    }

    /// A PNG of the viewport.
    public func screenshot() async throws -> Data {
        let answer = try await Self.request(port: port, "GET", "/session/\(session)/screenshot")
        guard let base64 = answer["value"] as? String, let png = Data(base64Encoded: base64) else {
            throw LoopbackConnection.Failure(description: "no screenshot: \(answer)")
        }
        return png
    }

    /// Makes `prefers-color-scheme` match `scheme` (`light` or `dark`), through the
    /// DevTools protocol.
    public func emulateColorScheme(_ scheme: String) async throws {
        _ = try await Self.request(port: port, "POST", "/session/\(session)/goog/cdp/execute", [
            "cmd": "Emulation.setEmulatedMedia", "params": ["features": [["name": "prefers-color-scheme", "value": scheme]]],
        ])
    }

    /// The URLs of the requests the browser sent since the last call (DevTools'
    /// `Network.requestWillBeSent`, from chromedriver's performance log).
    public func networkRequests() async throws -> [String] {
        let answer = try await Self.request(port: port, "POST", "/session/\(session)/se/log", ["type": "performance"])
        let entries = answer["value"] as? [[String: Any]] ?? []
        return entries.compactMap { entry in
            guard let text = entry["message"] as? String,
                  let event = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let message = event["message"] as? [String: Any], message["method"] as? String == "Network.requestWillBeSent",
                  let request = (message["params"] as? [String: Any])?["request"] as? [String: Any]
            else { return nil }
            return request["url"] as? String
        }
    }

    /// Ends the session (which closes the browser) and chromedriver.
    public func quit() async {
        _ = try? await Self.request(port: port, "DELETE", "/session/\(session)")
        driver.terminate()
    }

    /// One WebDriver command; its `value` (or the whole answer when it has none). A
    /// WebDriver error is thrown.
    private static func request(port: Int, _ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(data.count)\r\n\r\n"
        let response = try await LoopbackHTTP.send(port: port, head, body: Array(data))
        let json = try JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed]) as? [String: Any] ?? [:]
        if let value = json["value"] as? [String: Any], let error = value["error"] as? String {
            throw LoopbackConnection.Failure(description: "WebDriver \(method) \(path): \(error): \(value["message"] ?? "")")
        }
        if let value = json["value"] as? [String: Any] { return value.merging(["value": value]) { a, _ in a } }
        return ["value": json["value"] ?? NSNull()]
    }

    /// A TCP port nothing listens on now.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw LoopbackConnection.Failure(description: "no free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
