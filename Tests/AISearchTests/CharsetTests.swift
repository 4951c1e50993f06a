import Foundation
import TestSupport
import XCTest

@testable import AISearch

/// Legacy Chinese encodings are detected with ICU and converted (fixtures written by
/// Python's gb18030 and big5 codecs).
final class CharsetTests: XCTestCase {
  private func fixture(_ name: String) throws -> [UInt8] {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    return Array(try Data(contentsOf: directory.appendingPathComponent(name)))
  }

  func testGB18030FileIsDetectedAndConverted() throws {
    let bytes = try fixture("gb18030.txt")
    XCTAssertNil(String(validating: bytes, as: UTF8.self), "the fixture is not UTF-8")
    let decoded = TextDecoder.decode(bytes)
    XCTAssertEqual(decoded.encoding, "GB18030")
    XCTAssertNil(decoded.warning)
    XCTAssertTrue(decoded.text.hasPrefix("华为昇腾芯片的发展历程\n华为公司在二〇一九年发布了昇腾系列"))
    XCTAssertTrue(decoded.text.contains("Atlas 900 A3超级计算集群"))
  }

  func testBig5FileIsDetectedAndConverted() throws {
    let decoded = TextDecoder.decode(try fixture("big5.txt"))
    XCTAssertEqual(decoded.encoding, "Big5")
    XCTAssertNil(decoded.warning)
    XCTAssertTrue(decoded.text.hasPrefix("臺灣半導體產業的發展\n臺灣積體電路製造公司是全球最大的晶圓代工廠"))
  }

  func testConvertedFilesAreSearchableAcrossScripts() throws {
    let corpus = try TemporaryDirectory()
    try corpus.write("c/gb.txt", Data(try fixture("gb18030.txt")))
    try corpus.write("c/big5.txt", Data(try fixture("big5.txt")))
    let index = corpus.path + "/index"
    let summary = try IndexWriter(directory: index).update(roots: [corpus.path + "/c"])
    XCTAssertEqual(summary.warnings.count, 0)
    let searcher = try Searcher(index: IndexReader(directory: index))
    // A Traditional query finds the GB18030 (Simplified) file and a Simplified query the
    // Big5 (Traditional) one, with citations and highlights on the original characters.
    let huawei = try XCTUnwrap(try searcher.search("華為 昇騰", k: 1).hits.first)
    XCTAssertTrue(huawei.path.hasSuffix("c/gb.txt"))
    XCTAssertEqual(huawei.lineStart, 1)
    let scalars = Array(huawei.text.unicodeScalars)
    XCTAssertEqual(String(String.UnicodeScalarView(scalars[huawei.highlights[0]])), "华为昇腾")
    let taiwan = try XCTUnwrap(try searcher.search("台湾 晶圆代工", k: 1).hits.first)
    XCTAssertTrue(taiwan.path.hasSuffix("c/big5.txt"))
  }
}
