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
      // And a tail of words in about two passages each, which make the query's common words
      // only follow them (`Searcher.anchorTerms`).
      func rareWord() -> String { "rare\(Int.random(in: 0..<400, using: &random))" }
      // Rare Han characters standing alone: two of them joined in a query make a stretch
      // (no passage holds the pair), whose passages lose weight before the heaps rank them.
      let hanCharacters = ["甴", "曱", "乪", "乫", "乭", "乮"]
      func hanCharacter() -> String { hanCharacters[Int.random(in: 0..<hanCharacters.count, using: &random)] }
      func word() -> String {
        let draw = Int.random(in: 0..<100, using: &random)
        if draw == 0 { return rareWord() }
        if draw <= 2 { return hanCharacter() }
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
        // Copies, which the heaps keep as followers of their text (order-dependent).
        if f % 5 == 0 { try corpus.write("c/f\(f)-copy.md", text) }
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
      pruned.threadCount = 1
      exhaustive.threadCount = 1
      // Segments shared out among three threads and merged: the same hits and citations.
      let parallel = try Searcher(index: index)
      parallel.threadCount = 3
      parallel.parallelScoringPostings = 0
      parallel.rerankDepth = 10
      var parallelQueries = 0
      var anchoredQueries = 0
      var stretchQueries = 0
      var prefixQueries = 0
      // A shallow re-ranking depth lets a corpus this small show pruning (the threshold is
      // the depth-th best score).
      pruned.rerankDepth = 10
      exhaustive.rerankDepth = 10
      var scoredPruned = 0
      var scoredExhaustive = 0
      for q in 0..<40 {
        var words = (0..<Int.random(in: 1...4, using: &random)).map { _ in word() }
        if q % 4 == 0 || q % 6 == 1 { words.append(rareWord()) }
        if q % 5 == 2 { words.append(hanCharacter() + hanCharacter()) }
        // Prefixes: w1* stands for w1, w10–w19 and w100–w199 (the 16 most frequent).
        if q % 7 == 4 { words.append("w\((q * 7 + Int(seed)) % 29 + 1)*") }
        // Long queries: more terms than the coverage table holds (`coverageOfManyTerms`).
        if q % 9 == 5 { words += (0..<14).map { vocabulary[(q * 31 + $0 * 17 + Int(seed)) % vocabulary.count] } }
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
          XCTAssertEqual(try parallel.search(query, k: k), b, "seed \(seed) query \(query) k \(k), 3 threads")
          if parallel.sharedSegmentCount > 1 { parallelQueries += 1 }
          if exhaustive.anchorTermCount > 0 { anchoredQueries += 1 }
          if exhaustive.stretchCount > 0 { stretchQueries += 1 }
          if query.contains("*") && !b.hits.isEmpty { prefixQueries += 1 }
          scoredPruned += pruned.scoredPassages
          scoredExhaustive += exhaustive.scoredPassages
        }
      }
      // Pruning must have skipped work, or the test shows nothing.
      XCTAssertLessThan(Double(scoredPruned), 0.9 * Double(scoredExhaustive), "seed \(seed)")
      XCTAssertGreaterThan(parallelQueries, 40, "seed \(seed)")
      // Queries where common words only follow the rarer ones (`Searcher.anchorTerms`).
      XCTAssertGreaterThan(anchoredQueries, 10, "seed \(seed)")
      XCTAssertGreaterThan(stretchQueries, 5, "seed \(seed)")
      XCTAssertGreaterThan(prefixQueries, 5, "seed \(seed)")
    }
  }

  /// A word in the title of a document stands on every passage of it, most of which hold
  /// it in the title only; the walk passes over those that cannot matter in a loop of its
  /// own (`PassageScorer.passOverOneField`), which must keep the ones that can. Titles of
  /// one to eight words, holding the word once or twice, give such passages scores that
  /// differ a little from document to document, and some passages hold the word in the
  /// body as well.
  func testTitleOnlyPassagesArePrunedExactly() throws {
    var random = SplitMix(state: 7)
    let corpus = try TemporaryDirectory()
    for f in 0..<60 {
      let topic = "topic\(f % 3)"
      let title = ([topic] + (0..<(f % 2)).map { _ in topic } + (0..<(f % 7)).map { "h\($0)" }).joined(separator: " ")
      var text = "# \(title)\n\n"
      for _ in 0..<Int.random(in: 3...8, using: &random) {
        var words = (0..<Int.random(in: 60...120, using: &random)).map { _ in "w\(Int.random(in: 0..<5000, using: &random))" }
        if Int.random(in: 0..<6, using: &random) == 0 {
          for _ in 0..<Int.random(in: 1...3, using: &random) {
            words.insert("topic\(Int.random(in: 0..<3, using: &random))", at: Int.random(in: 0...words.count, using: &random))
          }
        }
        text += words.joined(separator: " ") + "\n\n"
      }
      try corpus.write("c/f\(f).md", text)
    }
    let directory = corpus.path + "/idx"
    _ = try IndexWriter(directory: directory, workers: 1, ramBudgetMB: 16).update(roots: [corpus.path + "/c"])
    let index = try IndexReader(directory: directory)
    let pruned = try Searcher(index: index)
    let exhaustive = try Searcher(index: index)
    exhaustive.dynamicPruning = false
    var titleOnlyHits = 0
    var scored = (pruned: 0, exhaustive: 0)
    for query in ["topic0", "topic1", "topic2", "topic1 w3", "topic2 w10"] {
      for k in [1, 3, 10, 40] {
        let expected = try exhaustive.search(query, k: k)
        XCTAssertEqual(try pruned.search(query, k: k), expected, "query \(query) k \(k)")
        titleOnlyHits += expected.hits.filter { !$0.text.contains(query.split(separator: " ")[0]) }.count
        scored = (scored.pruned + pruned.scoredPassages, scored.exhaustive + exhaustive.scoredPassages)
      }
    }
    // Hits holding the word in their title only, and passages passed over, or the test
    // shows nothing.
    XCTAssertGreaterThan(titleOnlyHits, 10)
    XCTAssertLessThan(Double(scored.pruned), 0.9 * Double(scored.exhaustive))
  }

  /// Coverage of a query of more than 12 terms, summed term by term, is clause by clause's
  /// to the last bits of rounding: words, a Chinese run, OR, a phrase and a prefix.
  func testCoverageOfManyTermsMatchesClauseByClause() throws {
    let analyzer = try Analyzer(folding: .identity)
    let parsed = try ParsedQuery("alpha beta gamma 训练成本 delta OR epsilon \"zeta eta\" theta iota kappa lambda mu nu xi* omicron")
    let plan = try QueryPlan(
      parsed, analyzer: analyzer, indexed: { _ in true },
      expand: { prefix, _, _ in ([prefix + "1", prefix + "2", prefix + "3"], false) })
    XCTAssertGreaterThan(plan.terms.count, PassageScorer.coverageTableTerms)
    XCTAssertTrue(plan.clauses.contains { $0.isExpansion })
    XCTAssertTrue(plan.clauses.contains { $0.alternatives.count == 2 && !$0.isExpansion })
    let idf = plan.terms.indices.map { 1.0 + Double($0 * 7 % 11) / 3 }
    let weights = PassageScorer.ClauseWeights(plan, idf: idf)
    var random = SplitMix(state: 7)
    for _ in 0..<2000 {
      let mask = UInt64.random(in: 0..<(1 << UInt64(plan.terms.count)), using: &random)
      let byClause = weights.coverage(of: mask, plan: plan, idf: idf)
      XCTAssertEqual(weights.coverageOfManyTerms(mask, plan: plan, idf: idf), byClause, accuracy: 1e-12)
    }
    XCTAssertEqual(weights.coverageOfManyTerms(UInt64.max >> (64 - UInt64(plan.terms.count)), plan: plan, idf: idf), 1, accuracy: 1e-12)
  }

  /// A prefix's words count with their best; words outside any prefix, also between a
  /// prefix's words, are summed.
  func testPrefixWordsCountWithTheirBest() throws {
    XCTAssertEqual(PassageScorer.sum([1, 2, 5, 3, 4, 10, 7], groups: [-1, 0, 0, -1, 0, 1, 1]), 1 + 3 + 5 + 10)
    XCTAssertEqual(PassageScorer.sum([1, 2, 5], groups: []), 8)
    XCTAssertEqual(PassageScorer.sum([0, 0, 6], groups: [2, 2, 2]), 6)
    let analyzer = try Analyzer(folding: .identity)
    let plan = try QueryPlan(
      try ParsedQuery("content co* code ca*"), analyzer: analyzer, indexed: { _ in true },
      expand: { prefix, _, _ in (prefix == "co" ? ["content", "code", "contents"] : ["cat", "car"], false) })
    // content and code are also words of the query: summed, not grouped.
    XCTAssertEqual(plan.terms.map(\.text), ["content", "code", "contents", "cat", "car"])
    XCTAssertEqual(plan.expansionGroups(), [-1, -1, 1, 3, 3])
  }

  /// A second thread only for a query with postings in two segments or more, and enough of them.
  func testScoresInParallelOnlyWhenWorthIt() {
    XCTAssertTrue(Searcher.scoresInParallel(postings: [5, 5, 5, 5], threads: 2, minimum: 0))
    XCTAssertTrue(Searcher.scoresInParallel(postings: [3, 0, 0, 3, 0], threads: 2, minimum: 6))
    // All postings in one segment: nothing to share.
    XCTAssertFalse(Searcher.scoresInParallel(postings: [0, 0, 7], threads: 2, minimum: 0))
    XCTAssertFalse(Searcher.scoresInParallel(postings: [0, 0, 0], threads: 2, minimum: 0))
    XCTAssertFalse(Searcher.scoresInParallel(postings: [5, 5, 5, 5], threads: 2, minimum: 21))
    XCTAssertFalse(Searcher.scoresInParallel(postings: [5, 5, 5, 5], threads: 1, minimum: 0))
  }

  /// Pruning cuts below the k-th best score, yet copies collapsed into one hit must not
  /// leave the top k short: twelve texts, each written three times, all holding the one
  /// query word, give ten hits with their copies cited (a cut at the k-th best score itself
  /// cited only six texts). The same with lightly edited copies (one word of forty-odd
  /// differs in each): they are kept beside their text, not in the place of other texts.
  func testCopiesDoNotCrowdOutTheTopK() throws {
    for edited in [false, true] {
      let corpus = try TemporaryDirectory()
      for t in 0..<12 {
        let words = (0..<(40 + 5 * (t % 4))).map { "t\(t)w\($0)" }
        let copies = (0..<3).map { c in
          "target " + words.joined(separator: " ") + (edited ? " edit\(t)x\(c)" : "") + " target."
        }
        try corpus.write("c/t\(t).txt", copies.joined(separator: "\n\n") + "\n")
      }
      let directory = corpus.path + "/idx"
      _ = try IndexWriter(directory: directory, workers: 1, ramBudgetMB: 16).update(roots: [corpus.path + "/c"])
      let searcher = try Searcher(index: try IndexReader(directory: directory))
      let result = try searcher.search("target", k: 10)
      XCTAssertEqual(result.hits.count, 10, "edited: \(edited)")
      XCTAssertEqual(Set(result.hits.map(\.path)).count, 10, "edited: \(edited)")
      XCTAssertEqual(result.hits.map(\.duplicates.count), [Int](repeating: 2, count: 10), "edited: \(edited)")
    }
  }

  /// Near-copies of one text with different copy signatures (each adds words of its own,
  /// and the smallest hash may fall on one of them) take several of the k places pruning
  /// counts, then collapse into one hit: the other texts below them must still fill the
  /// k hits, in score order.
  func testNearCopiesWithOtherSignaturesDoNotLeaveTheHitsShort() throws {
    let corpus = try TemporaryDirectory()
    let common = (0..<12).map { "base\($0)" }.joined(separator: " ")
    for c in 0..<16 {
      try corpus.write("c/copy\(c).txt", "target \(common) only\(c)a only\(c)b only\(c)c\n")
    }
    for t in 0..<6 {
      let filler = (0..<(30 + 10 * t)).map { "t\(t)w\($0)" }.joined(separator: " ")
      try corpus.write("c/other\(t).txt", "target \(filler)\n")
    }
    let directory = corpus.path + "/idx"
    _ = try IndexWriter(directory: directory, workers: 1).update(roots: [corpus.path + "/c"])
    let index = try IndexReader(directory: directory)
    let signatures = Set((0..<index.segments[0].passageCount).map { index.segments[0].lengths.signature($0) })
    XCTAssertGreaterThan(signatures.count, 6 + 3, "the copies must carry several signatures for this test")
    for threads in [1, 2] {
      let searcher = try Searcher(index: index)
      searcher.threadCount = threads
      let result = try searcher.search("target", k: 4)
      XCTAssertEqual(result.hits.count, 4, "threads: \(threads)")
      XCTAssertEqual(result.hits.dropFirst().map { URL(fileURLWithPath: $0.path).lastPathComponent }, ["other0.txt", "other1.txt", "other2.txt"])
      XCTAssertEqual(result.hits[0].duplicates.count, 15, "threads: \(threads)")
    }
  }
}

final class CandidateHeapTests: XCTestCase {
  private func candidate(_ signature: UInt16, _ score: Double, doc: UInt32 = 0) -> Candidate {
    Candidate(segment: 0, doc: doc, coverage: 1, score: score, signature: signature)
  }

  /// Two signatures fit: a second passage of a kept signature follows it without taking a
  /// place, a lower newcomer is refused, a higher one pushes out the worst signature with
  /// its followers.
  func testCountsSignaturesNotPassages() {
    var heap = CandidateHeap(capacity: 2, followerLimit: 4)
    var dropped: [Double] = []
    heap.insert(candidate(9, 2.5, doc: 3))
    heap.insert(candidate(7, 5))
    heap.insert(candidate(9, 3, doc: 2))
    heap.insert(candidate(7, 4, doc: 1))
    XCTAssertEqual(heap.count, 2)
    XCTAssertEqual(heap.floor?.score, 3)
    XCTAssertFalse(heap.admits(candidate(11, 2)))
    heap.insert(candidate(11, 6, doc: 4)) { dropped.append($0.score) }
    XCTAssertEqual(dropped, [3, 2.5])
    XCTAssertEqual(heap.floor?.score, 5)
    XCTAssertEqual(heap.sorted().map(\.score), [6, 5, 4])
  }

  /// A better passage of a kept signature becomes its best (and moves the floor); past
  /// the follower limit the worst follower goes.
  func testBetterCopyLeadsAndFollowersAreBounded() {
    var heap = CandidateHeap(capacity: 2, followerLimit: 1)
    var dropped: [UInt32] = []
    heap.insert(candidate(1, 2, doc: 0))
    heap.insert(candidate(2, 3, doc: 1))
    XCTAssertEqual(heap.floor?.doc, 0)
    heap.insert(candidate(1, 4, doc: 2)) { dropped.append($0.doc) }
    XCTAssertEqual(heap.floor?.doc, 1)
    XCTAssertFalse(heap.admits(candidate(1, 1, doc: 3)), "a follower too must beat the floor")
    heap.insert(candidate(1, 3.5, doc: 4)) { dropped.append($0.doc) }
    XCTAssertEqual(dropped, [0])
    XCTAssertEqual(heap.sorted().map(\.doc), [2, 4, 1])
  }

  /// Shallow heaps find a signature's group by a linear search, deep ones through a
  /// dictionary: both keep exactly the signatures with the best passages (500 distinct
  /// scores over 60 signatures), floored at the capacity-th best of them.
  func testKeepsTheSignaturesWithTheBestPassages() {
    let scored = (0..<500).map { (i: Int) -> Candidate in
      let signature = UInt16((i * 31) % 60)
      let score = Double((i * 7919) % 1000)
      return candidate(signature, score, doc: UInt32(i))
    }
    var best: [UInt16: Double] = [:]
    for c in scored { best[c.signature] = max(best[c.signature] ?? 0, c.score) }
    let ranked = best.sorted { $0.value > $1.value }
    for capacity in [8, 40] {
      var heap = CandidateHeap(capacity: capacity, followerLimit: 2)
      for c in scored where heap.admits(c) { heap.insert(c) }
      XCTAssertEqual(Set(heap.sorted().map(\.signature)), Set(ranked.prefix(capacity).map(\.key)), "\(capacity)")
      XCTAssertEqual(heap.floor?.score, ranked[capacity - 1].value, "\(capacity)")
      XCTAssertEqual(heap.sorted().first?.score, ranked[0].value, "\(capacity)")
    }
  }
}

final class CopySignatureTests: XCTestCase {
  /// A one-permutation MinHash: the order of the terms does not matter, the terms do,
  /// and a passage without terms has the largest signature.
  func testSignatureDependsOnTheTermSetOnly() {
    let hash = { (term: String) in term.utf8.reduce(TermTable.fnvBasis, TermTable.fnv) }
    let terms = ["华为", "昇腾", "910c", "chip", "量产"].map(hash)
    XCTAssertEqual(CopySignature.of(termHashes: terms), CopySignature.of(termHashes: terms.reversed()))
    XCTAssertEqual(CopySignature.of(termHashes: [UInt64]()), 0xFFFF)
    // With many terms, replacing one keeps the signature unless the replaced term was
    // the smallest: of 200 one-term edits of a 200-term set, the signature changes in few.
    let base = (0..<200).map { hash("w\($0)") }
    let signature = CopySignature.of(termHashes: base)
    let changed = (0..<200).filter { i in
      var edited = base
      edited[i] = hash("x\(i)")
      return CopySignature.of(termHashes: edited) != signature
    }.count
    XCTAssertLessThanOrEqual(changed, 3)
    XCTAssertGreaterThanOrEqual(changed, 1)
  }
}

final class CopyPrefilterTests: XCTestCase {
  /// The character pairs as first defined, over `unicodeScalars`: the UTF-8 reading must
  /// give the same bits for every scalar width.
  private func scalarCharacterPairs(_ text: String) -> [UInt64] {
    var bits = [UInt64](repeating: 0, count: 64)
    var previous: UInt32 = 0
    for scalar in text.unicodeScalars {
      var value = scalar.value
      if value == 0x20 || value == 0x0A || value == 0x09 || value == 0x0D || value == 0x3000 { continue }
      if value >= 0x41 && value <= 0x5A { value += 0x20 }
      if previous != 0 {
        let bit = Int(((UInt64(previous) << 21 | UInt64(value)) &* 0x9E37_79B9_7F4A_7C15) >> 52)
        bits[bit >> 6] |= 1 << UInt64(bit & 63)
      }
      previous = value
    }
    return bits
  }

  func testPairsReadFromUTF8MatchScalars() {
    let texts = [
      "", "a", "華為 Ascend 910C：量产\u{3000}计划", "Café naïve Ünïcödé — ‘quotes’", "emoji 😀🚀 and 𠀀𪚥 (four bytes)",
      "tabs\tand\r\nlines\n", "Привет мир", "ＦＵＬＬ　ＷＩＤＴＨ ＡＢＣ",
    ]
    for text in texts { XCTAssertEqual(Copies.sketch(text, folding: .identity).pairs, scalarCharacterPairs(text), text) }
    var generator = SystemRandomNumberGenerator()
    let alphabet: [UnicodeScalar] = ["A", "z", " ", "\n", "é", "Я", "华", "\u{3000}", "😀", "𠀀", "0"]
    for _ in 0..<200 {
      var scalars = String.UnicodeScalarView()
      for _ in 0..<Int.random(in: 0..<40, using: &generator) { scalars.append(alphabet.randomElement(using: &generator)!) }
      let text = String(scalars)
      XCTAssertEqual(Copies.sketch(text, folding: .identity).pairs, scalarCharacterPairs(text), text)
    }
    // Case and spacing do not make two texts differ.
    XCTAssertEqual(Copies.sketch("Ascend 910C", folding: .identity).pairs, Copies.sketch("ascend\n910c", folding: .identity).pairs)
    XCTAssertNotEqual(Copies.sketch("ab", folding: .identity).pairs, Copies.sketch("ba", folding: .identity).pairs)
  }
}
