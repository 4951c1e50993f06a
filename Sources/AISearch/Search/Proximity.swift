/// Phrase and proximity evidence from term positions, for re-ranking the best candidates.
///
/// Two features, each in [0, 1]:
/// - phrase: the idf-weighted share of the query's multi-token words found as phrases (every
///   relative position of the word filled, in order). Chinese words are runs of bigrams, so
///   this is what tells 训练成本 written together from 训练 … 成本 apart.
/// - closeness: how tightly the query's words sit together: the sum of the present words'
///   lengths over the length of the smallest window that holds one occurrence of each
///   (1 when they are adjacent), for passages holding at least two of the words.
///
/// The re-ranked score is base × (1 + phraseWeight · phrase + closenessWeight · closeness):
/// coverage and BM25F decide what matches, proximity orders passages that match alike.
struct Proximity {
  var phraseWeight = 0.25
  var closenessWeight = 0.25

  /// What the re-ranked score is the base score times.
  func factor(phrase: Double, closeness: Double) -> Double {
    1 + phraseWeight * phrase + closenessWeight * closeness
  }

  /// The largest `factor` (both features 1). Pruning cuts at the k-th best score over
  /// this, even for a query whose passages cannot all be lifted so far (one word, say):
  /// the passages it keeps below the k-th best are what fills the top k again once copies
  /// of one text are collapsed into one hit (a cut at the k-th best itself returned 8% fewer
  /// hits on the latency queries of the medium tier).
  var maximumFactor: Double { factor(phrase: 1, closeness: 1) }

  /// Positions of each query term in one passage (indexed like `QueryPlan.terms`).
  typealias Positions = [[Int32]]

  func features(_ plan: QueryPlan, positions: Positions, idf: [Double]) -> (phrase: Double, closeness: Double) {
    var phraseTotal = 0.0
    var phraseMatched = 0.0
    var starts: [(position: Int32, chunk: Int)] = []
    var presentLength: Int32 = 0
    var presentChunks = 0
    for (c, chunk) in plan.chunks.enumerated() {
      let weight = chunk.tokens.reduce(0.0) { $0 + idf[$1.term] }
      // Candidate start positions of the chunk: any token's position minus its offset.
      var anchors: [Int32] = []
      for token in chunk.tokens {
        for p in positions[token.term] { anchors.append(p - token.position) }
      }
      if anchors.isEmpty { continue }
      anchors = Proximity.sortedDistinct(anchors)
      presentChunks += 1
      presentLength += chunk.span
      var phraseStarts: [Int32] = []
      if chunk.span >= 2 {
        phraseTotal += weight
        for start in anchors where isPhrase(chunk, at: start, positions) { phraseStarts.append(start) }
        if !phraseStarts.isEmpty { phraseMatched += weight }
      } else {
        phraseStarts = Array(anchors)
      }
      for start in (phraseStarts.isEmpty ? Array(anchors) : phraseStarts) { starts.append((start, c)) }
    }
    let phrase = phraseTotal > 0 ? phraseMatched / phraseTotal : 0
    let window = presentChunks >= 2 ? smallestWindow(starts, spans: plan.chunks.map(\.span)) : nil
    let closeness = window.map { min(1, Double(presentLength) / Double($0)) } ?? 0
    return (phrase, closeness)
  }

  private func isPhrase(_ chunk: QueryPlan.Chunk, at start: Int32, _ positions: Positions) -> Bool {
    let offsets = Proximity.sortedDistinct(chunk.tokens.map(\.position))
    var filled: [Int32] = []
    for token in chunk.tokens where positions[token.term].contains(start + token.position) {
      filled.append(token.position)
    }
    return Proximity.sortedDistinct(filled).count == offsets.count
  }

  /// `values` sorted, each once. Arrays, not sets: the few values here do not pay for
  /// hashing, and a process's first set of a type looks up the type's Hashable conformance
  /// (0.2 million instructions for each type, a tenth of a millisecond of every search
  /// from a new process).
  static func sortedDistinct<T: Comparable>(_ values: [T]) -> [T] {
    var result: [T] = []
    result.reserveCapacity(values.count)
    for value in values.sorted() where result.last != value { result.append(value) }
    return result
  }

  /// The length of the smallest window holding one occurrence of every chunk present
  /// (from the first chunk's start to the end of the last one).
  private func smallestWindow(_ starts: [(position: Int32, chunk: Int)], spans: [Int32]) -> Int32? {
    // Ties broken by chunk: the window's end is taken from its last entry.
    let sorted = starts.sorted { ($0.position, $0.chunk) < ($1.position, $1.chunk) }
    let needed = Proximity.sortedDistinct(sorted.map(\.chunk)).count
    var counts = [Int](repeating: 0, count: spans.count)
    var have = 0
    var best: Int32? = nil
    var left = 0
    for right in sorted.indices {
      if counts[sorted[right].chunk] == 0 { have += 1 }
      counts[sorted[right].chunk] += 1
      while have == needed {
        let width = sorted[right].position + spans[sorted[right].chunk] - sorted[left].position
        if best == nil || width < best! { best = width }
        counts[sorted[left].chunk] -= 1
        if counts[sorted[left].chunk] == 0 { have -= 1 }
        left += 1
      }
    }
    return best
  }
}
