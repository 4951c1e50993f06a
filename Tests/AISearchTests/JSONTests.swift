import XCTest

@testable import AISearch

/// JSON string literals as hits print them: RFC 8259 escapes, plus U+2028 and U+2029.
final class JSONTests: XCTestCase {
  func testStringEscapes() {
    XCTAssertEqual(JSON.string(""), #""""#)
    XCTAssertEqual(JSON.string("华为 910C"), #""华为 910C""#)
    XCTAssertEqual(JSON.string("a\"b\\c"), #""a\"b\\c""#)
    XCTAssertEqual(JSON.string("1\n2\r3\t4"), #""1\n2\r3\t4""#)
    XCTAssertEqual(JSON.string("\u{01}\u{1F}\u{7F}"), "\"\\u0001\\u001f\u{7F}\"")
    XCTAssertEqual(JSON.string("x\u{2028}y\u{2029}z\u{2027}"), "\"x\\u2028y\\u2029z\u{2027}\"")
    XCTAssertEqual(JSON.string("😀\"\u{2028}"), "\"😀\\\"\\u2028\"")
  }
}
