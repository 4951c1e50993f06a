import TestSupport
import XCTest

@testable import AISearch

/// Common words count only in passages that hold one of the query's rarer words
/// (`Searcher.anchorTerms`), unless they carry a quarter of the query's weight or more.
final class CommonWordTests: XCTestCase {
  /// 400 passages say "the", 10 of them "often", 3 others "zebra"; every passage has 40
  /// filler words of its own, so each file is one passage of its own.
  private func searcher() throws -> (Searcher, TemporaryDirectory) {
    let corpus = try TemporaryDirectory()
    func passage(_ id: String, _ words: String) -> String {
      words + " " + (0..<40).map { "\(id)w\($0)" }.joined(separator: " ") + "\n"
    }
    for i in 0..<400 {
      try corpus.write("c/plain\(i).txt", passage("p\(i)x", i < 10 ? "the often" : "the"))
    }
    for i in 0..<3 {
      try corpus.write("c/zoo\(i).txt", passage("z\(i)x", "the zebra" + String(repeating: " zebra", count: i)))
    }
    let directory = corpus.path + "/idx"
    _ = try IndexWriter(directory: directory, workers: 1, ramBudgetMB: 16).update(roots: [corpus.path + "/c"])
    let searcher = try Searcher(index: try IndexReader(directory: directory))
    searcher.threadCount = 1
    return (searcher, corpus)
  }

  private func names(_ result: SearchResult) -> [String] {
    result.hits.map { String($0.path.split(separator: "/").last!.dropLast(4)) }
  }

  func testCommonWordAloneIsNoHitWhileRarerWordsMatch() throws {
    let (searcher, corpus) = try searcher()
    _ = corpus
    let result = try searcher.search("zebra the", k: 10)
    XCTAssertEqual(names(result), ["zoo2", "zoo1", "zoo0"])
    XCTAssertEqual(searcher.anchorTermCount, 1)
    // Without the rule (every word may propose passages) the three come first, then
    // passages holding only "the".
    let unanchored = try searcher.search("+the zebra", k: 10)
    XCTAssertEqual(searcher.anchorTermCount, 0)
    XCTAssertEqual(unanchored.hits.count, 10)
    XCTAssertEqual(Array(names(unanchored).prefix(3)), ["zoo2", "zoo1", "zoo0"])
    XCTAssertTrue(names(unanchored).dropFirst(3).allSatisfy { $0.hasPrefix("plain") })
  }

  func testCommonWordsAnswerWhenNoPassageWithARarerWordPasses() throws {
    let (searcher, corpus) = try searcher()
    _ = corpus
    // The filter leaves no zoo file: the passages holding "the" are the answer.
    let result = try searcher.search("zebra the path:plain", k: 10)
    XCTAssertEqual(result.hits.count, 10)
    XCTAssertTrue(names(result).allSatisfy { $0.hasPrefix("plain") }, "\(names(result))")
    XCTAssertEqual(searcher.anchorTermCount, 0)
  }

  func testWordsCarryingAQuarterOfTheQueryAreNotLeftOut() throws {
    let (searcher, corpus) = try searcher()
    _ = corpus
    // "often" (10 of 403 passages) is common, but carries 43% of the query's idf: a passage
    // holding it alone may still be an answer.
    let result = try searcher.search("zebra often", k: 10)
    XCTAssertEqual(searcher.anchorTermCount, 0)
    XCTAssertEqual(result.hits.count, 10)
    XCTAssertEqual(Array(names(result).prefix(3)), ["zoo2", "zoo1", "zoo0"])
    let often = Set((0..<10).map { "plain\($0)" })
    XCTAssertEqual(Set(names(result).dropFirst(3)).subtracting(often), [])
  }
}
