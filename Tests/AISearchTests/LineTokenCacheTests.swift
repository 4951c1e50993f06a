import Dispatch
import XCTest

@testable import AISearch

/// Lines seen before are copied from the shared cache instead of analyzed; the terms and
/// positions must be the analyzer's own.
final class LineTokenCacheTests: XCTestCase {
  /// Lines that stress what could cross a line end: Han runs ICU divides, hyphen chains at
  /// either end, letter/digit compounds, full-width forms, kana, marks and joiners at the
  /// start, a carriage return, a token too long to index, blank and empty lines.
  static let lines = [
    "华为昇腾 910B 芯片", "冻结行或列，作为表头", "deepseek-", "r1-lite 发布", "-v2 gpt-4o", "ＧＰＵ　和 CUDA",
    "カタカナの説明", "\u{301}é accent", "\u{200D}联合", "line with CR\r", "", "   ", "a" + String(repeating: "x", count: 70),
    "dogs' owners, e.g. v1.2", "中华人民共和国 研究生命起源", "相关主题", "昇腾", "H100GPU 和 H20", "繁體中文 華為",
    "tab\tseparated\u{0B}words", "😀 emoji 表情", "单击确定。",
  ]

  private func termsAndPositions(_ list: TermList) -> [String] {
    list.tokens.map { "\($0.term)@\($0.position)" }
  }

  func testLineCacheGivesTheAnalyzersTerms() throws {
    let cache = LineTokenCache(capacity: 1 << 20)
    let cached = try Analyzer(folding: .identity, hanRunCacheUnits: 0, lineCache: cache)
    let plain = try Analyzer(hanRunCacheUnits: 0)
    var generator = PruningTests.SplitMix(state: 11)
    for round in 0..<2_000 {
      let count = Int(generator.next() % 6) + 1
      let text = (0..<count).map { _ in LineTokenCacheTests.lines[Int(generator.next() % UInt64(LineTokenCacheTests.lines.count))] }
        .joined(separator: "\n")
      try plain.analyzeTerms(text)
      let expected = termsAndPositions(plain.terms)
      try cached.indexTerms(text)
      XCTAssertEqual(termsAndPositions(cached.terms), expected, "round \(round): \(text.debugDescription)")
    }
    // Every line repeats in these texts, so the cache must be in use: each distinct line is
    // kept at most once.
    XCTAssertGreaterThan(cache.entryCount, LineTokenCacheTests.lines.count / 2)
    XCTAssertLessThanOrEqual(cache.entryCount, LineTokenCacheTests.lines.count)
  }

  func testALineIsKeptTheSecondTimeItIsAnalyzed() throws {
    let cache = LineTokenCache(capacity: 1 << 16)
    let analyzer = try Analyzer(folding: .identity, hanRunCacheUnits: 0, lineCache: cache)
    try analyzer.indexTerms("ab cd")
    XCTAssertEqual(cache.entryCount, 0)
    try analyzer.indexTerms("ab cd")
    // The layout's worked example: 16 bytes of counts, 5 of line, 4 of terms, 2 tokens of 4.
    XCTAssertEqual(cache.entryCount, 1)
    XCTAssertEqual(cache.usedBytes, 40)
    try analyzer.indexTerms("x\nab cd\nab cd")
    XCTAssertEqual(termsAndPositions(analyzer.terms), ["x@0", "ab@1", "cd@2", "ab@3", "cd@4"])
    XCTAssertEqual(cache.entryCount, 1)
  }

  func testAFullCacheStillAnalyzes() throws {
    let cache = LineTokenCache(capacity: 1)  // one page
    let cached = try Analyzer(folding: .identity, hanRunCacheUnits: 0, lineCache: cache)
    let plain = try Analyzer(hanRunCacheUnits: 0)
    let text = (LineTokenCacheTests.lines + LineTokenCacheTests.lines).joined(separator: "\n")
    for _ in 0..<3 {
      try plain.analyzeTerms(text)
      try cached.indexTerms(text)
      XCTAssertEqual(termsAndPositions(cached.terms), termsAndPositions(plain.terms))
    }
    XCTAssertLessThanOrEqual(cache.usedBytes, cache.capacity)
  }

  /// Analyzers on two threads share one cache, as an indexing run's workers do.
  func testAnalyzersOnTwoThreadsShareOneCache() throws {
    let cache = LineTokenCache(capacity: 1 << 20)
    let analyzers = try (0..<2).map { _ in try Analyzer(folding: .identity, hanRunCacheUnits: 0, lineCache: cache) }
    let plain = try Analyzer(hanRunCacheUnits: 0)
    let texts = (0..<400).map { i in
      (0..<4).map { k in LineTokenCacheTests.lines[(i * 7 + k * 3) % LineTokenCacheTests.lines.count] }.joined(separator: "\n")
    }
    let expected = try texts.map { text -> [String] in
      try plain.analyzeTerms(text)
      return termsAndPositions(plain.terms)
    }
    var mismatches = [Int](repeating: 0, count: 2)
    mismatches.withUnsafeMutableBufferPointer { mismatches in
      DispatchQueue.concurrentPerform(iterations: 2) { t in
        for (i, text) in texts.enumerated() where i % 2 == t || i % 3 == 0 {
          do {
            try analyzers[t].indexTerms(text)
            if termsAndPositions(analyzers[t].terms) != expected[i] { mismatches[t] += 1 }
          } catch {
            mismatches[t] += 1
          }
        }
      }
    }
    XCTAssertEqual(mismatches, [0, 0])
    XCTAssertGreaterThan(cache.entryCount, 0)
  }
}
