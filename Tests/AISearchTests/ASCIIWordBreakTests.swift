import Foundation
import TestSupport
import XCTest

@testable import AISearch

/// Lines of ASCII are segmented without ICU; the segments must be ICU's, word or not.
final class ASCIIWordBreakTests: XCTestCase {
  private struct Segments: Equatable, CustomStringConvertible {
    var ends: [Int32] = []
    var words: [Bool] = []
    var description: String { zip(ends, words).map { "\($0)\($1 ? "w" : "")" }.joined(separator: " ") }
  }

  private func segments(_ units: [UInt16], byICU: Bool) throws -> Segments {
    var ends = [Int32](repeating: 0, count: units.count)
    var statuses = [Int32](repeating: 0, count: units.count)
    let count = try units.withUnsafeBufferPointer { text in
      try ends.withUnsafeMutableBufferPointer { ends in
        try statuses.withUnsafeMutableBufferPointer { statuses in
          byICU
            ? try WordBreaker().segment(
              text, 0..<units.count, ends: ends.baseAddress!, statuses: statuses.baseAddress!, from: 0)
            : ASCIIWordBreak.segment(
              text, 0..<units.count, ends: ends.baseAddress!, statuses: statuses.baseAddress!, from: 0)
        }
      }
    }
    return Segments(ends: Array(ends[0..<count]), words: statuses[0..<count].map { $0 >= 100 })
  }

  private func assertSameAsICU(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let units = Array(text.utf16)
    XCTAssertEqual(try segments(units, byICU: false), try segments(units, byICU: true), "\(text.debugDescription)", file: file, line: line)
  }

  func testRulesOnExactCases() throws {
    let cases: [(String, [String])] = [
      ("can't stop", ["can't", "stop"]),
      ("e.g. 3.14 1,000;5 a:b x_1 __ _ _a a__ me@host", ["e.g", "3.14", "1,000;5", "a", "b", "x_1", "__", "_a", "a__", "me@host"]),
      ("a..b 1.,2 a'", ["a", "b", "1", "2", "a"]),
      ("r1.5 v2 4o", ["r1.5", "v2", "4o"]),
    ]
    for (text, words) in cases {
      let units = Array(text.utf16)
      let found = try segments(units, byICU: false)
      var start = 0
      var got: [String] = []
      for (end, isWord) in zip(found.ends, found.words) {
        if isWord { got.append(String(decoding: units[start..<Int(end)], as: UTF16.self)) }
        start = Int(end)
      }
      XCTAssertEqual(got, words, text)
      try assertSameAsICU(text)
    }
  }

  func testASCIISegmentsEqualICUs() throws {
    // Letters, digits and every character a rule names, with a few others, in random runs.
    let alphabet = Array("aZq09_.':,;  \t\r\n\u{0B}\u{0C}-!#/\"@$".utf16)
    var generator = PruningTests.SplitMix(state: 29)
    for _ in 0..<3_000 {
      let length = Int(generator.next() % 24) + 1
      let units = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
      try assertSameAsICU(String(decoding: units, as: UTF16.self))
    }
    // Every ASCII line of the demo corpus.
    for name in try FileManager.default.contentsOfDirectory(atPath: seedsDirectory).sorted() {
      let text = try String(contentsOfFile: seedsDirectory + "/" + name, encoding: .utf8)
      for line in text.split(separator: "\n") where line.utf8.allSatisfy({ $0 < 0x80 }) {
        try assertSameAsICU(String(line).lowercased() + "\n")
      }
    }
  }

  /// The analyzer's tokens do not depend on whether a line's neighbours are ASCII.
  func testMixedTextGivesTheTokensOfEachLineAlone() throws {
    let analyzer = try Analyzer()
    let lines = ["Calls gpt-4o's API, v1.2.", "华为 910C 芯片", "x_y 3,5 e.g", "ＧＰＵ　和 CUDA"]
    let together = try analyzer.analyze(lines.joined(separator: "\n")).map(\.term)
    let alone = try lines.flatMap { try analyzer.analyze($0).map(\.term) }
    XCTAssertEqual(together, alone)
    XCTAssertEqual(
      together,
      [
        "call", "gpt", "4o's", "o's", "gpt-4o's", "api", "v1.2", "v1", ".2", "华", "为", "华为", "910c", "910", "芯",
        "片", "芯片", "x_y", "3,5", "e.g", "gpu", "和", "cuda",
      ])
  }
}

/// Han runs seen before are not given to ICU's dictionary again; the tokens stay the same.
final class HanRunCacheTests: XCTestCase {
  func testCachedRunsGiveICUsSegments() throws {
    // Runs ICU divides in more than one way, beside neighbours that keep a boundary (ASCII,
    // CJK punctuation) and ones that may not (_ joins words, kana and 々 join the
    // dictionary's range, marks and joiners attach to the character before them).
    let runs = ["中华人民共和国", "冻结行或列", "作为表头", "单击确定", "相关主题", "研究生命起源", "华为", "表", "昇腾芯片"]
    let neighbours = [" ", "\n", "，", "。", "、", "《", "》", "“", "”", "—", "·", "a", "9", "_", "カ", "の", "々", "\u{301}", "\u{200D}", "\u{FE0F}", "(", ".", "'"]
    let cached = try Analyzer(hanRunCacheUnits: 1 << 16)
    let uncached = try Analyzer(hanRunCacheUnits: 0)
    var generator = PruningTests.SplitMix(state: 7)
    func pick(_ list: [String]) -> String { list[Int(generator.next() % UInt64(list.count))] }
    for _ in 0..<2_000 {
      var text = ""
      for _ in 0..<(Int(generator.next() % 8) + 1) { text += pick(runs) + pick(neighbours) }
      let expected = try uncached.analyze(text).map { [$0.term, "\($0.position)", "\($0.start)", "\($0.end)"] }
      XCTAssertEqual(try cached.analyze(text).map { [$0.term, "\($0.position)", "\($0.start)", "\($0.end)"] }, expected, text)
    }
  }

  func testAFullCacheStillSegments() throws {
    let tiny = try Analyzer(hanRunCacheUnits: 8)
    let uncached = try Analyzer(hanRunCacheUnits: 0)
    let text = "冻结行或列，作为表头。冻结行或列 单击确定 作为表头 单击确定"
    for _ in 0..<3 { XCTAssertEqual(try tiny.analyze(text).map(\.term), try uncached.analyze(text).map(\.term)) }
    XCTAssertEqual(
      try uncached.analyze("冻结行或列，作为表头").map(\.term),
      ["冻结", "行", "或", "列", "行或", "或列", "作为", "表", "头", "表头"])
  }
}
