import Hummingbird

/// The page's icon: a dark tile with an "M" and a down arrow (Markdown's mark), as SVG.
/// Served at `/favicon.svg` (the page links it) and `/favicon.ico` (where browsers look
/// when a page names none); it carries no document content, so it needs no token.
enum Favicon {
    /// The paths the icon is served at.
    static let paths: Set<String> = ["/favicon.svg", "/favicon.ico"]

    /// The `<link>` element that names the icon.
    static let link = "<link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\">\n"

    /// The icon.
    static let svg = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">\
        <rect width="32" height="32" rx="6" fill="#24292f"/>\
        <path d="M5 23V9h3.5l3.5 5 3.5-5H19v14h-3.5v-8.5L12 19l-3.5-4.5V23z" fill="#fff"/>\
        <path d="M21 16h2.5V9h3v7H29l-4 6z" fill="#fff"/>\
        </svg>
        """

    /// The response for either path.
    static var response: Response {
        Response(status: .ok, headers: [.contentType: MediaType.imageSvg.description, .cacheControl: "max-age=86400"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: svg)))
    }
}
