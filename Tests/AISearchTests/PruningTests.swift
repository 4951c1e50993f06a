import TestSupport
import XCTest

@testable import AISearch

/// MaxScore pruning returns exactly the top k of exhaustive scoring.
final class PruningTests: XCTestCase {
  /// A seeded generator (SplitMix64), so a failure can be replayed.
  struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  func testPrunedTopKEqualsExhaustiveScoring() throws {
    for seed: UInt64 in [1, 2, 3] {
      var random = SplitMix(state: seed)
      // Zipf-like vocabulary: word i drawn with weight 1 / (i + 1), so a few words are in
      // most passages and most words in few (what lets pruning skip).
      let vocabulary = (0..<300).map { $0 % 3 == 0 ? "词\($0)语" : "w\($0)" }
      let weights = vocabulary.indices.map { 1.0 / Double($0 + 1) }
      let total = weights.reduce(0, +)
      func word() -> String {
        var x = Double.random(in: 0..<total, using: &random)
        for (i, w) in weights.enumerated() {
          x -= w
          if x < 0 { return vocabulary[i] }
        }
        return vocabulary[vocabulary.count - 1]
      }
      let corpus = try TemporaryDirectory()
      for f in 0..<60 {
        var text = "# \(word()) \(word())\n\n"
        for _ in 0..<Int.random(in: 5...40, using: &random) {
          text += (0..<Int.random(in: 30...90, using: &random)).map { _ in word() }.joined(separator: " ") + "\n\n"
        }
        try corpus.write("c/f\(f).md", text)
      }
      let directory = corpus.path + "/idx"
      // A small RAM budget gives several segments; deleted files leave tombstones.
      _ = try IndexWriter(directory: directory, workers: 1, ramBudgetMB: 1).update(roots: [corpus.path + "/c"])
      for f in stride(from: 0, to: 60, by: 7) { try corpus.remove("c/f\(f).md") }
      _ = try IndexWriter(directory: directory, workers: 1, ramBudgetMB: 1).update(roots: [corpus.path + "/c"])
      let index = try IndexReader(directory: directory)
      XCTAssertGreaterThan(index.manifest.segments.count, 1)
      let pruned = try Searcher(index: index)
      let exhaustive = try Searcher(index: index)
      exhaustive.dynamicPruning = false
      // A shallow re-ranking depth lets a corpus this small show pruning (the threshold is
      // the depth-th best score).
      pruned.rerankDepth = 10
      exhaustive.rerankDepth = 10
      var scoredPruned = 0
      var scoredExhaustive = 0
      for q in 0..<40 {
        var words = (0..<Int.random(in: 1...4, using: &random)).map { _ in word() }
        switch q % 6 {
        case 1: if words.count >= 2 { words.insert("OR", at: 1) }
        case 2: words.append("-" + word())
        case 3: words = ["\"" + words.joined(separator: " ") + "\""] + [word()]
        default: break
        }
        let query = words.joined(separator: " ")
        for k in [1, 10] {
          let a = try pruned.search(query, k: k)
          let b = try exhaustive.search(query, k: k)
          XCTAssertEqual(a, b, "seed \(seed) query \(query) k \(k)")
          scoredPruned += pruned.scoredPassages
          scoredExhaustive += exhaustive.scoredPassages
        }
      }
      // Pruning must have skipped work, or the test shows nothing.
      XCTAssertLessThan(Double(scoredPruned), 0.9 * Double(scoredExhaustive), "seed \(seed)")
    }
  }

  /// Pruning cuts below the k-th best score, yet copies collapsed into one hit must not
  /// leave the top k short: twelve texts, each written three times, all holding the one
  /// query word, give ten hits with their copies cited (a cut at the k-th best score itself
  /// cited only six texts).
  func testCopiesDoNotCrowdOutTheTopK() throws {
    let corpus = try TemporaryDirectory()
    for t in 0..<12 {
      let words = (0..<(40 + 5 * (t % 4))).map { "t\(t)w\($0)" }
      let text = "target " + words.joined(separator: " ") + " target."
      try corpus.write("c/t\(t).txt", [text, text, text].joined(separator: "\n\n") + "\n")
    }
    let directory = corpus.path + "/idx"
    _ = try IndexWriter(directory: directory, workers: 1, ramBudgetMB: 16).update(roots: [corpus.path + "/c"])
    let searcher = try Searcher(index: try IndexReader(directory: directory))
    let result = try searcher.search("target", k: 10)
    XCTAssertEqual(result.hits.count, 10)
    XCTAssertEqual(Set(result.hits.map(\.path)).count, 10)
    XCTAssertEqual(result.hits.map(\.duplicates.count), [Int](repeating: 2, count: 10))
  }
}
