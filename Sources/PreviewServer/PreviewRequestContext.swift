public import Foundation
public import Hummingbird

/// The request context of every route of a ``PreviewServer``, additions' too:
/// Hummingbird's basic context with JSON answers whose keys are sorted and whose slashes
/// are not escaped (stable bytes for clients and tests).
public struct PreviewRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage

    /// A context for a request arriving on `source`.
    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The encoder of `ResponseEncodable` answers.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// An error that answers as JSON, `{"error": message}` plus `details` (for example the
/// running task a conflict is with), with its HTTP status.
package struct JSONError: HTTPResponseError {
    package var status: HTTPResponse.Status
    package var message: String
    package var details: [String: String]

    package init(_ status: HTTPResponse.Status, _ message: String, details: [String: String] = [:]) {
        self.status = status
        self.message = message
        self.details = details
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = details.merging(["error": message]) { _, message in message }
        return try context.responseEncoder.encode(body, from: request, context: context).with(status: status)
    }
}

extension Response {
    /// This response with `status`.
    func with(status: HTTPResponse.Status) -> Response {
        var response = self
        response.status = status
        return response
    }
}

extension Request {
    /// The body, at most `limit` bytes, decoded from JSON as `type`; nil when it is not
    /// such JSON (a larger body throws 413).
    package mutating func decodeJSON<Value: Decodable>(_ type: Value.Type, limit: Int, context: PreviewRequestContext) async throws -> Value? {
        _ = try await collectBody(upTo: limit)
        return try? await decode(as: type, context: context)
    }
}

extension MediaType {
    /// This text type with `charset=utf-8`, as a `Content-Type` value.
    var utf8: String { withParameter(name: "charset", value: "utf-8").description }
}
