import XCTest

@testable import AISearch

/// "Did you mean": edit distance and the choice among the dictionary's words.
final class SuggestionTests: XCTestCase {
  private func d(_ a: String, _ b: String, _ limit: Int = 2) -> Int {
    Suggestion.distance(Array(a.unicodeScalars), Array(b.unicodeScalars), limit: limit)
  }

  func testDistanceCountsSwapsAsOneEdit() {
    XCTAssertEqual(d("training", "training"), 0)
    XCTAssertEqual(d("trainnig", "training"), 1)
    XCTAssertEqual(d("pytohn", "python"), 1)
    XCTAssertEqual(d("instalation", "installation"), 1)
    XCTAssertEqual(d("kernal", "kernel"), 1)
    XCTAssertEqual(d("paket", "packet"), 1)
    XCTAssertEqual(d("nessie", "newsize"), 2)
    XCTAssertEqual(d("华为手机", "华为平板"), 2)
    // Past the limit the answer is limit + 1, however far the words are.
    XCTAssertEqual(d("abcdefgh", "zyxwvuts"), 3)
    XCTAssertEqual(d("abcd", "abcdefgh", 1), 2)
  }

  func testNearestIsTheClosestThenTheMostHeld() {
    let words: [(word: String, passages: Int)] = [
      ("training", 40), ("trading", 900), ("train", 500), ("trainings", 3), ("raining", 7),
    ]
    XCTAssertEqual(Suggestion.nearest(to: "trainnig", among: words), "training")
    // Two at one edit: the one more passages hold.
    XCTAssertEqual(Suggestion.nearest(to: "tradning", among: words), "trading")
    // Too short to suggest for, or nothing near enough.
    XCTAssertNil(Suggestion.nearest(to: "trn", among: words))
    XCTAssertNil(Suggestion.nearest(to: "zebra", among: words))
    // No word shorter than four characters, or two characters shorter than the query word.
    XCTAssertNil(Suggestion.nearest(to: "redi", among: [("red", 100)]))
    XCTAssertNil(Suggestion.nearest(to: "nessie", among: [("ness", 100)]))
    XCTAssertEqual(Suggestion.allowedEdits(5), 1)
    XCTAssertEqual(Suggestion.allowedEdits(6), 2)
  }
}
