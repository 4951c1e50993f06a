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

  // Lines too short for ICU's detector (bytes from Python's gbk and big5 codecs). Eight of
  // the GBK line's nine characters are in GB2312 (昇 is 95 4E); read as GBK, four of the
  // Big5 line's nine fall outside it (AC B0, AA 40, B6 71, A1 43), and read as Big5, five of
  // the GBK line's fall outside Big5's common block.
  func testShortGBKAndBig5LinesAreReadWithoutTheDetector() throws {
    let gbk: [UInt8] = [
      0xBB, 0xAA, 0xCE, 0xAA, 0x95, 0x4E, 0xCC, 0xDA, 0xD0, 0xBE, 0xC6, 0xAC, 0xC1, 0xBF, 0xB2, 0xFA, 0xA1, 0xA3, 0x0A,
    ]
    XCTAssertEqual(TextDecoder.decode(gbk), TextDecoder.Decoded(text: "华为昇腾芯片量产。\n", encoding: "GB18030"))
    let big5: [UInt8] = [
      0xB5, 0xD8, 0xAC, 0xB0, 0xAA, 0x40, 0xC4, 0xCB, 0xB4, 0xB9, 0xA4, 0xF9, 0xB6, 0x71, 0xB2, 0xA3, 0xA1, 0x43,
    ]
    XCTAssertEqual(TextDecoder.decode(big5), TextDecoder.Decoded(text: "華為昇騰晶片量產。", encoding: "Big5"))
    // 芯 (D0 BE) happens to be valid UTF-8 (U+043E): half the bytes are, not nine in ten.
    XCTAssertEqual(TextDecoder.decode([0xC1, 0xFA, 0xD0, 0xBE]), TextDecoder.Decoded(text: "龙芯", encoding: "GB18030"))
    // A damaged byte in UTF-8 text, and Latin-1 (any byte decodes in a single-byte
    // encoding, so none is guessed), stay UTF-8 with U+FFFD and a warning.
    let damaged = TextDecoder.decode(Array("中国的半导体产业".utf8) + [0xFF])
    XCTAssertEqual(damaged.text, "中国的半导体产业\u{FFFD}")
    XCTAssertEqual(damaged.encoding, "UTF-8")
    XCTAssertNotNil(damaged.warning)
    XCTAssertEqual(TextDecoder.decode([0x63, 0x61, 0x66, 0xE9]).text, "caf\u{FFFD}")
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
