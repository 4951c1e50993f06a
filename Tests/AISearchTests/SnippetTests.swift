import TestSupport
import XCTest

@testable import AISearch

/// Snippets: the densest window of a long passage, cut at boundaries, with highlights on
/// the characters as written.
final class SnippetTests: XCTestCase {
  private func text(_ snippet: Snippet, _ range: Range<Int>) -> String {
    String(String.UnicodeScalarView(Array(snippet.text.unicodeScalars)[range]))
  }

  func testShortPassageIsItsOwnSnippet() {
    let snippet = Snippet.best("华为昇腾芯片", highlights: [0..<2])
    XCTAssertEqual(snippet, Snippet(text: "华为昇腾芯片", highlights: [0..<2]))
  }

  func testWindowWithMostMatchesIsChosen() {
    // 300 filler words, then two matches close together, then 100 more words.
    let filler = (0..<60).map { "word\($0)" }.joined(separator: " ")
    let tail = (0..<20).map { "tail\($0)" }.joined(separator: " ")
    let passage = filler + " alpha beta " + tail
    let scalars = Array(passage.unicodeScalars)
    let alpha = scalars.count - tail.unicodeScalars.count - 11
    let highlights = [0..<4, alpha..<(alpha + 5), (alpha + 6)..<(alpha + 10)]
    let snippet = Snippet.best(passage, highlights: highlights, width: 80)
    XCTAssertTrue(snippet.text.hasPrefix("…"))
    XCTAssertTrue(snippet.text.hasSuffix("…"))
    XCTAssertLessThanOrEqual(snippet.text.unicodeScalars.count, 80 + 2 * 16 + 2)
    // The two close matches, not the lone one at the start; highlights re-based.
    XCTAssertEqual(snippet.highlights.map { text(snippet, $0) }, ["alpha", "beta"])
    // Cut at spaces, never inside a word.
    let inner = snippet.text.dropFirst().dropLast()
    XCTAssertFalse(inner.hasPrefix(" ") || inner.hasSuffix(" "))
    XCTAssertTrue(passage.contains(String(inner)))
  }

  func testHighlightsLandOnTheOriginalCharactersInLongPassages() throws {
    // A long passage in Traditional script with full-width letters; the query is
    // Simplified and half-width. Adjacent matches merge into one highlight.
    let filler = String(repeating: "這是一段與查詢無關的文字，用來把段落拉長。", count: 30)
    let corpus = try TemporaryDirectory()
    try corpus.write("c/long.txt", filler + "華為推出新的ＧＰＵ產品。" + filler + "\n")
    let index = corpus.path + "/index"
    _ = try IndexWriter(directory: index).update(roots: [corpus.path + "/c"])
    let hit = try XCTUnwrap(try Searcher(index: IndexReader(directory: index)).search("华为 gpu", k: 1).hits.first)
    let snippet = hit.snippet
    XCTAssertLessThan(snippet.text.unicodeScalars.count, hit.text.unicodeScalars.count)
    XCTAssertEqual(snippet.highlights.map { text(snippet, $0) }, ["華為", "ＧＰＵ"])
    let passage = Array(hit.text.unicodeScalars)
    XCTAssertEqual(
      hit.highlights.map { String(String.UnicodeScalarView(passage[$0])) }, ["華為", "ＧＰＵ"])
    // Matches side by side become one highlight.
    let adjacent = try XCTUnwrap(try Searcher(index: IndexReader(directory: index)).search("华为 推出", k: 1).hits.first)
    XCTAssertEqual(adjacent.snippet.highlights.map { text(adjacent.snippet, $0) }, ["華為推出"])
  }

  /// Long texts of multi-byte scalars, combining marks, CR LF pairs and emoji, cut at random
  /// highlights: the snippet's text between its "…" marks is a run of the passage's scalars
  /// (never split inside a scalar or rounded to a Character), and each of its highlights
  /// covers the same scalars as the passage's highlight it came from.
  func testSnippetIsARunOfThePassagesScalars() {
    var generator = PruningTests.SplitMix(state: 7)
    let pieces = ["word", " ", "華為", "e\u{301}", "\r\n", "😀", "ＧＰＵ", "。", "\n\n", "ab", "ß", "\u{3000}"]
    for _ in 0..<300 {
      let count = Int.random(in: 40...160, using: &generator)
      let text = (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined()
      let scalars = Array(text.unicodeScalars)
      var highlights: [Range<Int>] = []
      var at = Int.random(in: 0..<8, using: &generator)
      while at < scalars.count - 3 {
        highlights.append(at..<(at + Int.random(in: 1...3, using: &generator)))
        at = highlights.last!.upperBound + Int.random(in: 1...120, using: &generator)
      }
      let snippet = Snippet.best(text, highlights: highlights, width: 60)
      var inner = Array(snippet.text.unicodeScalars)
      let cutBefore = inner.first == "…" && scalars.first != "…"
      if cutBefore { inner.removeFirst() }
      if inner.count < scalars.count && inner.last == "…" { inner.removeLast() }
      guard let offset = (0...(scalars.count - inner.count)).first(where: { Array(scalars[$0..<($0 + inner.count)]) == inner }) else {
        return XCTFail("not a run of the passage's scalars: \(snippet.text.debugDescription)")
      }
      let shift = cutBefore ? 1 : 0
      for range in snippet.highlights {
        let original = (range.lowerBound - shift + offset)..<(range.upperBound - shift + offset)
        XCTAssertTrue(highlights.contains { $0.lowerBound <= original.lowerBound && original.upperBound <= $0.upperBound })
        XCTAssertEqual(Array(snippet.text.unicodeScalars)[range], scalars[original])
      }
    }
  }
}
