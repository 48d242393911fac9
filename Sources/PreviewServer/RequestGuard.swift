import HTTPTypes
import Hummingbird
import Primitives

/// The checks every request passes before a route sees it, in this order:
///
/// 1. `Host` names this server on loopback (`127.0.0.1`, `localhost` or `[::1]` with its
///    port), which defeats DNS rebinding; otherwise 403.
/// 2. `Origin`, when present, is this server; otherwise 403 (another site's page cannot
///    drive it). A `Sec-Fetch-Site: cross-site` request is refused the same way.
/// 3. The token, except for the pages (`/` and `/documents/{id}`) and the icon: the `token` query
///    parameter, `Authorization: Bearer`, or the cookie a page sets; otherwise 401.
/// 4. A declared body larger than the limit gets 413 (routes that read a body cap it too).
///
/// Every response, errors thrown by a route included, gets `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`
/// and, unless the route set its own, `Content-Security-Policy: default-src 'none'` and
/// `Cache-Control: no-store`.
struct RequestGuard<Context: RequestContext>: RouterMiddleware {
    let token: AccessToken
    let port: BoundPort
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await check(request, context: context, next: next)
        } catch let error as any HTTPResponseError {
            // A route's error answer (404, a JSON error) gets the headers below too.
            response = try error.response(from: request, context: context)
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    private func check(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let port = port.value
        guard let authority = request.head.authority, Self.loopbackAuthorities(port: port).contains(authority.lowercased()) else {
            return .plainText("forbidden: unexpected Host\n", status: .forbidden)
        }
        if let origin = request.headers[.origin],
           !Self.loopbackAuthorities(port: port).map({ "http://\($0)" }).contains(origin.lowercased()) {
            return .plainText("forbidden: foreign Origin\n", status: .forbidden)
        }
        if request.headers[.secFetchSite] == "cross-site" {
            return .plainText("forbidden: cross-site request\n", status: .forbidden)
        }
        if !Self.isPage(request), !carriesToken(request, port: port) {
            var response = Response.plainText("unauthorized: this route needs the token printed at launch\n", status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            return .plainText("request body too large (limit \(maxBodyBytes) bytes)\n", status: .contentTooLarge)
        }
        return try await next(request, context)
    }

    /// The `Host` values that name this server.
    static func loopbackAuthorities(port: Int) -> [String] {
        ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"]
    }

    /// The routes that need no token: the pages and their icon, which carry no document
    /// content.
    static func isPage(_ request: Request) -> Bool {
        guard request.method == .get else { return false }
        let path = request.uri.path
        if path == "/" || Favicon.paths.contains(path) { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[1] == "documents" && !parts[2].isEmpty
    }

    private func carriesToken(_ request: Request, port: Int) -> Bool {
        if let query = request.uri.queryParameters.get("token"), token.matches(query) { return true }
        if let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
           token.matches(authorization.dropFirst("Bearer ".count)) { return true }
        if let cookie = request.cookies[Self.cookieName(port: port)], token.matches(cookie.value) { return true }
        return false
    }

    /// The cookie a page sets (one per port: cookies are shared by every port of a host).
    static func cookieName(port: Int) -> String { "mdpreview_token_\(port)" }
}

/// The port the server is bound to, known once it listens.
final class BoundPort: Sendable {
    private let port = Locked(0)
    var value: Int { port.withLock { $0 } }
    func set(_ value: Int) { port.withLock { $0 = value } }
}

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
    static let lastEventID = Self("Last-Event-ID")!
    static let xAccelBuffering = Self("X-Accel-Buffering")!
}

extension Response {
    /// A short text response.
    static func plainText(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: MediaType.textPlain.utf8],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
