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
}
