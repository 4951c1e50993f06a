import XCTest

@testable import AISearch

/// Token tables for every analysis rule: the measured cases of shared/design.md, width and
/// case folding, Traditional→Simplified folding, compounds, stemming, Han words and stretches.
final class AnalyzerTests: XCTestCase {
  private static let folding = Result { try HanFolding.fromICU() }
  private var analyzer: Analyzer!

  override func setUpWithError() throws {
    analyzer = try Analyzer(folding: try AnalyzerTests.folding.get())
  }

  private func terms(_ text: String) throws -> [String] {
    try analyzer.analyze(text).map(\.term)
  }

  func testMeasuredCasesOfTheDesign() throws {
    // ICU alone gives 华 | 为 | 昇 | 腾 | 910b | 芯 | 片: its single characters are kept and
    // the stretches they form get bigrams. ICU's Traditional-Simplified folds 昇 to 升.
    XCTAssertEqual(
      try terms("华为昇腾 910B 芯片"),
      ["华", "为", "升", "腾", "华为", "为升", "升腾", "910b", "910", "芯", "片", "芯片"])
    XCTAssertEqual(try terms("英伟达H20芯片"), ["英伟", "达", "h20", "芯", "片", "芯片"])
    XCTAssertEqual(try terms("深度求索（DeepSeek）"), ["深度", "求", "索", "求索", "deepseek"])
    XCTAssertEqual(try terms("Ｈ１００ＧＰＵ"), ["h100gpu", "h100", "gpu"])
    XCTAssertEqual(try terms("GPT-4"), ["gpt", "4", "gpt-4"])
  }

  func testFingerprintsFoldLikeAnalysisWithoutDictionaryWords() throws {
    // 华为昇腾 → bigrams 华为 为升 升腾 (no ICU words or single characters); 910B and 910b are
    // one word; 芯 stands alone in its run.
    let simplified = try analyzer.fingerprint("华为昇腾 910B 与 芯")
    XCTAssertEqual(simplified.count, 6)
    XCTAssertEqual(simplified, simplified.sorted())
    XCTAssertEqual(try analyzer.fingerprint("華為昇騰 910b，與 芯"), simplified)
    XCTAssertEqual(try analyzer.fingerprint("ＧＰＵ gpu"), try analyzer.fingerprint("gpu"))
    XCTAssertNotEqual(try analyzer.fingerprint("华为昇腾 910C 与 芯"), simplified)
    XCTAssertEqual(try analyzer.fingerprint("deepseek-r1 x"), try analyzer.fingerprint("r1 deepseek x"))
    XCTAssertEqual(try analyzer.fingerprint(""), [])
  }

  /// Fingerprints read UTF-8 directly; scalars off the ASCII and Han fast paths are
  /// normalized one at a time (NFKC, case folding, then Han folding), as analysis does.
  func testFingerprintsNormalizeScalarsOffTheFastPaths() throws {
    XCTAssertEqual(try analyzer.fingerprint("ﬁle Straße Ⅻ"), try analyzer.fingerprint("file strasse xii"))
    // A compatibility ideograph becomes the unified one, then folds like it.
    XCTAssertEqual(try analyzer.fingerprint("\u{F900}為"), try analyzer.fingerprint("\u{8C48}为"))
    XCTAssertNotEqual(try analyzer.fingerprint("ﬁle"), try analyzer.fingerprint("fle"))
  }

  /// The sorted, distinct hashes of a fingerprint, by buckets, for spread hashes as for
  /// hashes that crowd one bucket (which `sort` takes instead).
  func testSortedDistinctHashes() {
    var generator = SystemRandomNumberGenerator()
    for n in [0, 1, 2, 3, 17, 400, 5_000] {
      let spread = (0..<n).map { _ in UInt64.random(in: 0...UInt64.max, using: &generator) }
      let repeated = spread + spread.prefix(n / 3)
      XCTAssertEqual(AnalysisState.sortedDistinct(repeated.shuffled()), Array(Set(spread)).sorted(), "n \(n)")
      let crowded = (0..<n).map { UInt64($0 % 50) }
      XCTAssertEqual(AnalysisState.sortedDistinct(crowded), Array(Set(crowded)).sorted(), "n \(n)")
    }
  }

  func testSkippingDictionaryScriptsKeepsTheOtherTokensAndTheirOffsets() throws {
    // Han (also outside the BMP: 𠀀 is a surrogate pair in UTF-16) and kana are skipped;
    // every other token keeps the term and the scalar offsets of a full analysis.
    let text = "Exim 配置 mails，𠀀GPU カナ x86"
    let skipped = try analyzer.analyze(text, dictionaryRuns: .containing([]))
    XCTAssertEqual(skipped.map(\.term), ["exim", "mail", "gpu", "x86"])
    XCTAssertEqual(skipped.map(\.start), [0, 8, 15, 22])
    let full = try analyzer.analyze(text).filter {
      !$0.term.unicodeScalars.contains { Analyzer.isDictionaryScript($0.value) }
    }
    XCTAssertEqual(skipped.map { [$0.start, $0.end] }, full.map { [$0.start, $0.end] })
    XCTAssertEqual(skipped.map(\.term), full.map(\.term))
  }

  /// Highlighting segments only the Han and kana runs that contain a query term: those runs
  /// give exactly the tokens of a full analysis (terms and offsets), the other runs none,
  /// and the words around them are untouched. 配 folds nothing; 騰 is kept as its folded 腾.
  func testOnlyRunsHoldingKeptCharactersAreSegmented() throws {
    let text = "華為昇騰芯片，Exim 配置 mails，量产カナ 雲端昇騰"
    let kept = try analyzer.analyze(text, dictionaryRuns: .containing([Array("配".utf16), Array("腾".utf16)]))
    // Scalar offsets of the runs that hold 配 or 騰: 0..<6, 12..<14 and 26..<30.
    let inKeptRun = { (token: Token) in [0..<6, 12..<14, 26..<30].contains { $0.contains(Int(token.start)) } }
    let expected = try analyzer.analyze(text).filter { token in
      !token.term.unicodeScalars.contains { Analyzer.isDictionaryScript($0.value) } || inKeptRun(token)
    }
    XCTAssertEqual(kept.map { "\($0.term) \($0.start)-\($0.end)" }, expected.map { "\($0.term) \($0.start)-\($0.end)" })
    XCTAssertTrue(kept.contains { $0.term == "升腾" && $0.start == 2 })
    XCTAssertTrue(kept.contains { $0.term == "配置" })
    XCTAssertFalse(kept.contains { $0.term.contains("量") || $0.term.contains("カ") })
    XCTAssertEqual(kept.filter { $0.term == "exim" || $0.term == "mail" }.count, 2)
  }

  /// A run that holds a term's characters but not the term itself (騰 … 昇, apart or in
  /// the other order) cannot give a token equal to it, so it is not segmented; a run
  /// holding the term in Traditional script (folded to it) is.
  func testRunsHoldingATermsCharactersApartAreNotSegmented() throws {
    let text = "騰飛與昇華 Exim 騰昇 x 華為昇騰芯片"
    let kept = try analyzer.analyze(text, dictionaryRuns: .containing([Array("升腾".utf16)]))
    let expected = try analyzer.analyze(text).filter { token in
      !token.term.unicodeScalars.contains { Analyzer.isDictionaryScript($0.value) } || token.start >= 16
    }
    XCTAssertEqual(kept.map { "\($0.term) \($0.start)-\($0.end)" }, expected.map { "\($0.term) \($0.start)-\($0.end)" })
    XCTAssertEqual(kept.filter { $0.term == "升腾" }.map(\.start), [18])
    XCTAssertTrue(kept.contains { $0.term == "exim" })
  }

  func testTraditionalAndSimplifiedFoldTogether() throws {
    XCTAssertEqual(try terms("華為"), ["华", "为", "华为"])
    XCTAssertEqual(try terms("華為"), try terms("华为"))
    XCTAssertEqual(try terms("昇騰"), ["升", "腾", "升腾"])
    XCTAssertEqual(try terms("昇騰"), try terms("昇腾"))
    XCTAssertEqual(try terms("資本開支"), try terms("资本开支"))
  }

  func testCaseAndWidthFolding() throws {
    XCTAssertEqual(try terms("ＩＰＨＯＮＥ１５"), ["iphone15"])
    XCTAssertEqual(try terms("DeepSeek ＩＰＨＯＮＥ１５"), ["deepseek", "iphone15"])
    XCTAssertEqual(try terms("910C"), ["910c", "910"])
  }

  func testCompoundsIndexTheWholeAndTheParts() throws {
    XCTAssertEqual(try terms("GPT-4o"), ["gpt", "4o", "gpt-4o"])
    XCTAssertEqual(try terms("deepseek-r1"), ["deepseek", "r1", "deepseek-r1"])
    XCTAssertEqual(try terms("h100gpu"), ["h100gpu", "h100", "gpu"])
    XCTAssertEqual(try terms("rtx4090ti"), ["rtx4090ti", "rtx4090", "ti"])
    // One letters+digits group stays one token; a lone trailing letter is not a part.
    XCTAssertEqual(try terms("H20 A100"), ["h20", "a100"])
    XCTAssertEqual(try terms("DeepSeek-R1-Lite"), ["deepseek", "r1", "deepseek-r1", "lite", "deepseek-r1-lite"])
    // The whole takes the position of its first part.
    let tokens = try analyzer.analyze("deepseek-r1")
    XCTAssertEqual(tokens.map(\.position), [0, 1, 0])
  }

  func testLightEnglishStemming() throws {
    XCTAssertEqual(try terms("dogs dog's"), ["dog", "dog"])
    XCTAssertEqual(try terms("queries chips caches"), ["query", "chip", "cache"])
    // -us, -ss and tokens with digits are left alone.
    XCTAssertEqual(try terms("status class H100s"), ["status", "class", "h100s", "h100"])
  }

  func testHanCharactersApartDoNotFormABigram() throws {
    XCTAssertEqual(try terms("华 为"), ["华", "为"])
    XCTAssertEqual(try terms("芯"), ["芯"])
    XCTAssertEqual(try terms("华人为了"), ["华人", "为了"])
  }

  func testDictionaryWordsKeepTheirPositionsInCharacters() throws {
    let tokens = try analyzer.analyze("中华人民共和国成立了")
    XCTAssertEqual(tokens.map(\.term), ["中华", "人民", "共和国", "成立", "了"])
    XCTAssertEqual(tokens.map(\.position), [0, 2, 4, 7, 9])
  }

  func testStretchBigramsTakeThePositionOfTheirFirstCharacter() throws {
    let tokens = try analyzer.analyze("用昇腾芯片 and more")
    XCTAssertEqual(
      tokens.map(\.term), ["用", "升", "腾", "芯", "片", "用升", "升腾", "腾芯", "芯片", "and", "more"])
    XCTAssertEqual(tokens.map(\.position), [0, 1, 2, 3, 4, 0, 1, 2, 3, 5, 6])
  }

  func testOffsetsPointAtTheOriginalCharacters() throws {
    let text = "芯片Ｈ１００ＧＰＵ和 DeepSeek 華為"
    let tokens = try analyzer.analyze(text)
    let scalars = Array(text.unicodeScalars)
    func original(_ token: Token) -> String {
      String(String.UnicodeScalarView(scalars[Int(token.start)..<Int(token.end)]))
    }
    XCTAssertEqual(
      tokens.map(original), ["芯", "片", "芯片", "Ｈ１００ＧＰＵ", "Ｈ１００", "ＧＰＵ", "和", "DeepSeek", "華", "為", "華為"])
    XCTAssertEqual(
      tokens.map(\.term), ["芯", "片", "芯片", "h100gpu", "h100", "gpu", "和", "deepseek", "华", "为", "华为"])
  }

  func testPunctuationSymbolsAndOverlongTokensAreDropped() throws {
    XCTAssertEqual(try terms("，。！？ ... —— 🙂"), [])
    let blob = String(repeating: "a", count: Analyzer.maxTokenScalars + 1)
    XCTAssertEqual(try terms("x \(blob) y"), ["x", "y"])
  }

  func testQueryAndIndexSideAgree() throws {
    XCTAssertEqual(try terms("ＡＳＣＥＮＤ ９１０Ｃ 昇騰"), try terms("ascend 910c 昇腾"))
  }
}
