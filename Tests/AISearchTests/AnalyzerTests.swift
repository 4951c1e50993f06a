import XCTest

@testable import AISearch

/// The measured cases of shared/design.md plus the rules the analyzer adds on top of ICU.
final class AnalyzerTests: XCTestCase {
  private var analyzer: Analyzer!

  override func setUpWithError() throws {
    analyzer = try Analyzer()
  }

  private func terms(_ text: String) throws -> [String] {
    try analyzer.analyze(text).map(\.term)
  }

  func testMeasuredCasesOfTheDesign() throws {
    // ICU alone gives 华 | 为 | 昇 | 腾 | 910b | 芯 | 片: Han runs become bigrams instead.
    XCTAssertEqual(try terms("华为昇腾 910B 芯片"), ["华为", "为昇", "昇腾", "910b", "910", "芯片"])
    XCTAssertEqual(try terms("英伟达H20芯片"), ["英伟", "伟达", "h20", "芯片"])
    XCTAssertEqual(try terms("深度求索（DeepSeek）"), ["深度", "度求", "求索", "deepseek"])
    XCTAssertEqual(try terms("Ｈ１００ＧＰＵ"), ["h100gpu", "h100", "gpu"])
    XCTAssertEqual(try terms("GPT-4"), ["gpt", "4", "gpt-4"])
  }

  func testCaseAndWidthFolding() throws {
    XCTAssertEqual(try terms("DeepSeek ＩＰＨＯＮＥ１５"), ["deepseek", "iphone15"])
    XCTAssertEqual(try terms("910C"), ["910c", "910"])
  }

  func testLetterDigitTokensStayWhole() throws {
    // One letters+digits group stays one token; a trailing single letter is not a part.
    XCTAssertEqual(try terms("H20 910c A100"), ["h20", "910c", "910", "a100"])
  }

  func testHanCharactersApartDoNotFormABigram() throws {
    XCTAssertEqual(try terms("华 为"), ["华", "为"])
    XCTAssertEqual(try terms("芯"), ["芯"])
    XCTAssertFalse(try terms("华人为").contains("华为"))
  }

  func testLongDictionaryWordsAreAddedBesideBigrams() throws {
    let tokens = try analyzer.analyze("中华人民共和国成立了")
    XCTAssertEqual(
      tokens.map(\.term), ["中华", "华人", "人民", "民共", "共和", "和国", "国成", "成立", "立了", "共和国"])
    // The word shares the position of its first bigram, so phrases over bigrams still line up.
    let word = try XCTUnwrap(tokens.first { $0.term == "共和国" })
    XCTAssertEqual(word.position, 4)
    XCTAssertEqual(tokens.first { $0.term == "共和" }?.position, 4)
  }

  func testBigramsTakeConsecutivePositions() throws {
    let tokens = try analyzer.analyze("用昇腾芯片 and more")
    XCTAssertEqual(tokens.map(\.term), ["用昇", "昇腾", "腾芯", "芯片", "and", "more"])
    XCTAssertEqual(tokens.map(\.position), [0, 1, 2, 3, 4, 5])
  }

  func testOffsetsPointAtTheOriginalCharacters() throws {
    let text = "芯片Ｈ１００ＧＰＵ和 DeepSeek"
    let tokens = try analyzer.analyze(text)
    let scalars = Array(text.unicodeScalars)
    func original(_ token: Token) -> String {
      String(String.UnicodeScalarView(scalars[Int(token.start)..<Int(token.end)]))
    }
    XCTAssertEqual(tokens.map(original), ["芯片", "Ｈ１００ＧＰＵ", "Ｈ１００", "ＧＰＵ", "和", "DeepSeek"])
    XCTAssertEqual(tokens.map(\.term), ["芯片", "h100gpu", "h100", "gpu", "和", "deepseek"])
  }

  func testPunctuationSymbolsAndOverlongTokensAreDropped() throws {
    XCTAssertEqual(try terms("，。！？ ... —— 🙂"), [])
    let blob = String(repeating: "a", count: Analyzer.maxTokenScalars + 1)
    XCTAssertEqual(try terms("x \(blob) y"), ["x", "y"])
  }

  func testQueryAndIndexSideAgree() throws {
    // The same analyzer serves both sides: a query written full-width and upper-case
    // produces exactly the terms of the indexed half-width lower-case text.
    XCTAssertEqual(try terms("ＡＳＣＥＮＤ ９１０Ｃ 昇腾"), try terms("ascend 910c 昇腾"))
  }
}
