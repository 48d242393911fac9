/// What an export wrote: the result of a completed export task.
public struct ExportReport: Sendable, Codable, Hashable {
    /// A file that did not become part of the site, and why.
    public struct Failure: Sendable, Codable, Hashable {
        /// The file, relative to the source.
        public var file: String
        /// Why.
        public var error: String

        /// A file left out of the site.
        public init(file: String, error: String) {
            self.file = file
            self.error = error
        }
    }

    /// The destination folder.
    public var destination: String
    /// The site's index page, relative to the destination.
    public var index: String
    /// Markdown files written as pages.
    public var pages: Int
    /// Other files copied.
    public var assets: Int
    /// Bytes written, index included.
    public var bytes: Int
    /// Files left out (their pages failed to render, or they could not be read or copied).
    public var failures: [Failure]
}
