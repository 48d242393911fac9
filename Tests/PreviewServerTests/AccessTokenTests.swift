import Testing
@testable import PreviewServer

@Suite("AccessToken")
struct AccessTokenTests {
    @Test("a new token is 64 hex digits and differs from the next one")
    func fresh() {
        let a = AccessToken(), b = AccessToken()
        #expect(a.value.count == 64)
        #expect(a.value.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(a != b)
    }

    @Test("matches only the same value: not a prefix, not an extension, not empty")
    func matching() {
        let token = AccessToken("abc123")
        #expect(token.matches("abc123"))
        #expect(!token.matches("abc12"))
        #expect(!token.matches("abc1234"))
        #expect(!token.matches(""))
        #expect(!token.matches("abc124"))
    }
}
