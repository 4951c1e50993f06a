import Synchronization

/// Document-at-a-time scoring of one segment: the query's posting lists are walked side by
/// side, each passage holding a query term is scored once (BM25F × idf-weighted
/// coverage × `ListPagePrior`, which is at most 1 and so left out of every bound below),
/// checked against the query's required clauses, phrases, exclusions and filters, and
/// offered to the top k. Memory is the top k, not the segment: no per-passage arrays.
///
/// Lists are indexed 2·t (body) and 2·t + 1 (title) for term t of the plan.
///
/// Dynamic pruning (MaxScore: Turtle and Flood, "Query evaluation: strategies and
/// optimizations", 1995; as in Lucene's MaxScoreBulkScorer). A term can add at most
/// count · idf to a passage (BM25F saturates below idf), and coverage only grows with the
/// terms held, so a passage holding only terms of a set S scores at most
/// bound(S) = Σ_S count · idf × coverage(S). Terms sorted by their bound, the longest
/// prefix whose bound cannot beat the worst score kept in the top k is "non-essential":
/// its lists no longer propose passages, they are only advanced to the passages the other
/// lists propose. The top k is exactly that of exhaustive scoring (tested).
///
/// With `anchors`, the other terms (the query's common words, `Searcher.anchorTerms`) are
/// non-essential from the start, whatever the threshold: only passages holding an anchor
/// are proposed, in exhaustive scoring too, so the rule changes which passages are ranked,
/// not how pruning ranks them.
struct PassageScorer {
  /// A segment's lists of the query's terms, as the walk reads and moves them.
  typealias Lists = UnsafeMutableBufferPointer<PostingList>

  let plan: QueryPlan
  let idf: [Double]
  let bm25: BM25
  let averageBody: Double
  let averageTitle: Double
  /// The smallest length norms a field can have (1 − b, at length 0): with them a
  /// passage's frequencies bound its score without its lengths.
  private let shortestNorms: (body: Double, title: Double)
  /// The weight of the query's clauses: the denominator of coverage.
  let totalWeight: Double
  private let clauseWeights: ClauseWeights
  private let phrases: [PhrasePattern]
  private let exclusionPatterns: [PhrasePattern]
  /// Coverage of every term subset, for queries of at most `coverageTableTerms` terms.
  private let coverageByMask: [Double]
  static let coverageTableTerms = 12
  /// Each term's count in the query, as a factor.
  private let counts: [Double]
  /// `ListPagePrior`'s factor per stored list share.
  let listPageFactors: [Double]
  /// Each term's bound (count · idf), the terms by increasing bound, and the bound of each
  /// prefix of that order.
  private let termBounds: [Double]
  private let byBound: [Int]
  private let prefixBounds: [Double]
  /// The terms whose lists propose passages (`Searcher.anchorTerms`); 0 when every term's
  /// lists do. The others are looked up only in passages an anchor proposes.
  let anchors: UInt64
  /// The terms that are not anchors: the first of `byBound`, non-essential from the start.
  private let followers: Int
  /// Per term, its prefix's clause or -1 (`QueryPlan.expansionGroups`); empty when the
  /// query has no prefix.
  let expansionGroup: [Int]
  var dynamicPruning = true
  /// Passages scored (for tests and --timings: what pruning saved).
  private(set) var scoredPassages = 0

  init(
    plan: QueryPlan, idf: [Double], bm25: BM25, listPagePrior: ListPagePrior, index: IndexReader, anchors: UInt64 = 0
  ) throws {
    self.plan = plan
    self.anchors = anchors
    let groups = plan.expansionGroups()
    expansionGroup = groups.contains { $0 >= 0 } ? groups : []
    listPageFactors = listPagePrior.table
    self.idf = idf
    self.bm25 = bm25
    averageBody = Double(index.tokenCount) / Double(index.passageCount)
    averageTitle = Double(index.titleTokenCount) / Double(index.passageCount)
    shortestNorms = (bm25.lengthNorm(0, averageBody, b: bm25.b), bm25.lengthNorm(0, averageTitle, b: bm25.titleB))
    let clauseWeights = ClauseWeights(plan, idf: idf)
    self.clauseWeights = clauseWeights
    totalWeight = clauseWeights.total
    phrases = plan.chunks.map { PhrasePattern($0.tokens.map { ($0.term, $0.position) }) }
    exclusionPatterns = plan.exclusions.map { PhrasePattern($0.tokens.enumerated().map { ($0.offset, $0.element.position) }) }
    counts = plan.terms.map { Double($0.count) }
    let bounds = plan.terms.indices.map { Double(plan.terms[$0].count) * idf[$0] }
    termBounds = bounds
    // Followers first: MaxScore's non-essential terms are a prefix of this order, and the
    // followers are non-essential whatever the threshold.
    let isFollower = plan.terms.indices.map { anchors != 0 && anchors & (1 << UInt64($0)) == 0 }
    followers = isFollower.filter { $0 }.count
    byBound = plan.terms.indices.sorted {
      (isFollower[$0] ? 0 : 1, bounds[$0], $0) < (isFollower[$1] ? 0 : 1, bounds[$1], $1)
    }
    let tabled = plan.terms.count <= PassageScorer.coverageTableTerms
    // The bounds below see the coverage the walk will (`coverage(_:)`).
    let coverage = {
      tabled
        ? clauseWeights.coverage(of: $0, plan: plan, idf: idf) : clauseWeights.coverageOfManyTerms($0, plan: plan, idf: idf)
    }
    coverageByMask = tabled ? (0..<(1 << plan.terms.count)).map { coverage(UInt64($0)) } : []
    var bounded = [0.0]
    var mask: UInt64 = 0
    var sum = 0.0
    var held = [Double](repeating: 0, count: plan.terms.count)
    for t in byBound {
      mask |= 1 << UInt64(t)
      sum += bounds[t]
      held[t] = bounds[t]
      // A prefix's words count with their best (`sum`).
      bounded.append((expansionGroup.isEmpty ? sum : PassageScorer.sum(held, groups: expansionGroup)) * coverage(mask))
    }
    prefixBounds = bounded
  }

  /// How much re-ranking can raise a score (`Proximity.maximumFactor`; re-ranking never
  /// lowers one, as a scattered stretch's loss is taken before the heaps): a passage whose
  /// score times the limit stays below the k-th best score cannot reach the top k, and is
  /// neither kept nor, with pruning, looked at. Nil: no such test.
  var liftLimit: Double? = nil

  /// The lowest score a passage may have and still matter: above the worst kept when the
  /// heap is full, and within reach of the k-th best by re-ranking.
  func threshold(_ top: CandidateHeap, _ kBest: CandidateHeap) -> Double {
    var minimum = -Double.infinity
    if let floor = top.floor { minimum = floor.score }
    if let liftLimit, let kth = kBest.floor { minimum = max(minimum, kth.score / liftLimit) }
    return minimum
  }

  /// Whether a scored candidate is kept: within reach of the k-th best by re-ranking, and
  /// admitted by the heap (which ignores its copy signature).
  func admits(_ candidate: Candidate, _ top: CandidateHeap, _ kBest: CandidateHeap) -> Bool {
    let reachable = liftLimit.map { lift in kBest.floor.map { candidate.score * lift >= $0.score } ?? true } ?? true
    return reachable && top.admits(candidate)
  }

  /// Whether a passage scoring at most `bound` (coverage included) can be passed over.
  @inline(__always)
  private func cannotMatter(_ bound: Double, _ minimum: Double) -> Bool {
    bound * (1 + 1e-9) < minimum
  }

  /// Counts passages other scorers of the same query scored (on other threads).
  mutating func addScoredPassages(_ count: Int) {
    scoredPassages += count
  }

  /// With `admitted`, every candidate the heap admits is also appended there: a later
  /// replay into another heap (`Searcher`'s threads) needs what a heap that had seen more
  /// would have kept. Candidates come without positions (`Searcher` reads them for the few
  /// that reach re-ranking).
  mutating func scoreSegment(
    _ s: Int, _ segment: SegmentReader, lists: [PostingList], exclusions: [[PostingList]], allowed: [Bool]?,
    into top: inout CandidateHeap, best kBest: inout CandidateHeap,
    admitted: inout [Candidate]?, thresholds: (shared: SharedThresholds, order: Int)? = nil
  ) throws {
    // Walked through a pointer: through the array, every list access was bounds-checked and
    // every move of a list checked the array's uniqueness.
    var lists = lists
    scoredPassages += try lists.withUnsafeMutableBufferPointer { lists in
      try walk(
        s, segment, lists: lists, exclusions: exclusions, allowed: allowed, into: &top, best: &kBest,
        admitted: &admitted, thresholds: thresholds)
    }
  }

  /// `scoreSegment`'s walk; returns the passages it scored. Not mutating: from a mutating
  /// method, every call of a helper on `self` copied the scorer's 200 bytes.
  private func walk(
    _ s: Int, _ segment: SegmentReader, lists: Lists, exclusions: [[PostingList]], allowed: [Bool]?,
    into top: inout CandidateHeap, best kBest: inout CandidateHeap,
    admitted: inout [Candidate]?, thresholds: (shared: SharedThresholds, order: Int)?
  ) throws -> Int {
    var scoredPassages = 0
    var exclusions = exclusions
    let termCount = plan.terms.count
    // Terms byBound[0..<nonEssential] only follow; the others propose passages.
    var nonEssential = followers
    var essential = [Bool](repeating: true, count: termCount)
    for t in byBound[0..<followers] { essential[t] = false }
    // Per term, the bound of its blocks around the last passage looked at, and the last
    // passage it holds for.
    var blockBounds = [Double](repeating: 0, count: termCount)
    var boundUntil = [Int64](repeating: -1, count: termCount)
    var contributions = [Double](repeating: 0, count: termCount)
    // Read once: each access through the segment object would retain and release it.
    let lengths = segment.lengths
    let hasDeletions = segment.livePassages < segment.passageCount
    // The most a passage holding essential terms only can score.
    var essentialLimit = followers > 0 ? essentialBound(essential) : Double.infinity
    // Changes only when a candidate is kept.
    var minimum = threshold(top, kBest)
    thresholds?.shared.publish(minimum, from: thresholds!.order)
    let following = (thresholds?.order ?? 0) > 0
    while true {
      if following {
        let earlier = thresholds!.shared.highest(before: thresholds!.order)
        if earlier > minimum { minimum = earlier }
      }
      if dynamicPruning && minimum > 0 {
        // A passage must score above the threshold to matter.
        while nonEssential < termCount && cannotMatter(prefixBounds[nonEssential + 1], minimum) {
          essential[byBound[nonEssential]] = false
          nonEssential += 1
          essentialLimit = essentialBound(essential)
        }
        if nonEssential == termCount { return scoredPassages }
      }
      var doc = UInt32.max
      for t in 0..<termCount where essential[t] {
        doc = min(doc, lists[2 * t].doc, lists[2 * t + 1].doc)
      }
      if doc == .max { return scoredPassages }
      // The lengths are read only after the tests below, a cache miss each; asked for now,
      // they arrive while the tests run (large tier: p50 −5 to −10%, mean −5 to −11%).
      lengths.prefetch(Int(doc))
      if nonEssential > 0 && dynamicPruning && cannotMatter(essentialLimit, minimum) {
        // The essential terms alone cannot reach the threshold, so a passage that matters
        // also holds a non-essential term: the walk leaps to the next passage that does,
        // and the essential lists skip the blocks in between undecoded (a conjunction led
        // by the rarer side, as Lucene's MaxScore does once its essential clauses fall short).
        var next = UInt32.max
        for t in 0..<termCount where !essential[t] {
          try lists[2 * t].advance(to: doc)
          try lists[2 * t + 1].advance(to: doc)
          next = min(next, lists[2 * t].doc, lists[2 * t + 1].doc)
        }
        if next == .max { return scoredPassages }
        if next > doc {
          lengths.prefetch(Int(next))
          for t in 0..<termCount where essential[t] {
            try lists[2 * t].advance(to: next)
            try lists[2 * t + 1].advance(to: next)
          }
          continue
        }
      }
      // What the non-essential terms' blocks around `doc` allow (summed by the window test).
      var nonEssentialBound = 0.0
      var nonEssentialPossible: UInt64 = 0
      var windowEnd = Int64(UInt32.max)
      if dynamicPruning && minimum > 0 {
        // Block-max over every term (as Lucene's MaxScore scores windows of blocks): until
        // the first of the terms' current blocks ends, no passage can score more than their
        // block bounds allow; below the threshold, the whole window is skipped undecoded.
        // A term's block bound holds until its lists' blocks end, so it is computed once
        // per block, not per passage; the non-essential terms' share is kept for the tests
        // below.
        var bound = 0.0
        var possible: UInt64 = 0
        for t in 0..<termCount {
          if Int64(doc) > boundUntil[t] {
            (blockBounds[t], boundUntil[t]) = try termBlockBound(t, at: doc, lists)
          }
          windowEnd = min(windowEnd, boundUntil[t])
          guard blockBounds[t] > 0 else { continue }
          bound += blockBounds[t]
          possible |= 1 << UInt64(t)
          if !essential[t] {
            nonEssentialBound += blockBounds[t]
            nonEssentialPossible |= 1 << UInt64(t)
          }
        }
        // A prefix's words count with their best: so do their blocks' bounds.
        if !expansionGroup.isEmpty { bound = PassageScorer.sum(blockBounds, groups: expansionGroup) }
        if cannotMatter(bound * coverage(possible), minimum) {
          guard windowEnd < Int64(UInt32.max) else { return scoredPassages }
          let next = UInt32(windowEnd + 1)
          for t in 0..<termCount where essential[t] {
            try lists[2 * t].advance(to: next)
            try lists[2 * t + 1].advance(to: next)
          }
          continue
        }
      }
      if dynamicPruning && minimum > 0 && termCount - nonEssential == 1 {
        let e = byBound[nonEssential]
        let others = (nonEssentialBound, nonEssentialPossible)
        if try passOverOneField(0, of: e, through: windowEnd, lists, lengths: lengths, nonEssential: others, minimum: minimum)
        { continue }
        if try passOverOneField(1, of: e, through: windowEnd, lists, lengths: lengths, nonEssential: others, minimum: minimum)
        { continue }
      }
      let d = Int(doc)
      guard !(hasDeletions && segment.isDeleted(d)) && allowed?[d] != false else {
        try PassageScorer.pass(doc, lists)
        continue
      }
      let bounding = dynamicPruning && minimum > 0
      if bounding {
        // First from the frequencies alone, at the shortest possible length: the passage's
        // field lengths are a random read into a large table, most passages walked past
        // here fail this test, and it needs none. Also when every term is essential: a
        // block that holds one of the best passages (or one of their copies) is walked
        // passage by passage, and most of its passages hold the term once.
        var bound = nonEssentialBound
        var possible = nonEssentialPossible
        for t in 0..<termCount where essential[t] && PassageScorer.holds(t, doc, lists) {
          possible |= 1 << UInt64(t)
          bound += contribution(t, doc, lists, shortestNorms)
        }
        if cannotMatter(bound * coverage(possible), minimum) {
          try PassageScorer.pass(doc, lists)
          continue
        }
      }
      let norms = (body: bm25.lengthNorm(Int(lengths[d]), averageBody, b: bm25.b),
        title: bm25.lengthNorm(Int(lengths.title(d)), averageTitle, b: bm25.titleB))
      var mask: UInt64 = 0
      var sum = 0.0
      for t in 0..<termCount {
        contributions[t] = 0
        guard essential[t] && PassageScorer.holds(t, doc, lists) else { continue }
        mask |= 1 << UInt64(t)
        contributions[t] = contribution(t, doc, lists, norms)
        sum += contributions[t]
      }
      if bounding {
        // Block-max: the essential terms' exact scores plus what the non-essential terms'
        // blocks allow; below the threshold, their lists are not even advanced to `doc`.
        if cannotMatter((sum + nonEssentialBound) * coverage(mask | nonEssentialPossible), minimum) {
          try PassageScorer.pass(doc, lists)
          continue
        }
      }
      scoredPassages += 1
      for t in 0..<termCount where !essential[t] {
        try lists[2 * t].advance(to: doc)
        try lists[2 * t + 1].advance(to: doc)
        guard PassageScorer.holds(t, doc, lists) else { continue }
        mask |= 1 << UInt64(t)
        contributions[t] = contribution(t, doc, lists, norms)
      }
      // Summed in term order, so the score is the same to the last bit whichever terms
      // were essential.
      sum = expansionGroup.isEmpty ? contributions.reduce(0, +) : PassageScorer.sum(contributions, groups: expansionGroup)
      if try requiredClausesHold(doc, mask, lists), try !isExcluded(doc, &exclusions) {
        let coverage = self.coverage(mask)
        var candidate = Candidate(segment: s, doc: doc, coverage: coverage, score: sum * coverage)
        // Below the threshold nothing is admitted, and most scored passages are below it:
        // that test comes before the heaps' own. The list-page factor only lowers a score,
        // so it is read (a cache miss into the lengths file) only for a passage that would
        // be kept without it: read for every scored passage, it made ranking 12–16% slower.
        var kept = candidate.score >= minimum && admits(candidate, top, kBest)
        if kept && !plan.stretches.isEmpty {
          // A stretch held only scattered loses most of its weight
          // (`unmetStretchIDF`); scored here, from the positions, so that what the
          // heaps rank is a score re-ranking can only raise.
          let body = try (0..<termCount).map { try lists[2 * $0].positions(at: doc) }
          let title = try (0..<termCount).map { try lists[2 * $0 + 1].positions(at: doc) }
          let unmet = unmetStretchIDF(body: body, title: title)
          if unmet > 0 {
            let adjusted = max(0, candidate.coverage - unmet / totalWeight)
            candidate.score = adjusted > 1e-9 ? candidate.score * adjusted / candidate.coverage : 0
            candidate.coverage = adjusted
            kept = candidate.score > 0 && candidate.score >= minimum && admits(candidate, top, kBest)
          }
        }
        if kept {
          candidate.score *= listPageFactors[Int(lengths.listShare(d))]
          kept = admits(candidate, top, kBest)
        }
        if kept {
          // Read only now: most scored passages are not kept, and admission ignores it.
          candidate.signature = lengths.signature(d)
          if kBest.admits(candidate) { kBest.insert(candidate) }
          admitted?.append(candidate)
          top.insert(candidate)
          minimum = threshold(top, kBest)
          thresholds?.shared.publish(minimum, from: thresholds!.order)
        }
      }
      try PassageScorer.pass(doc, lists)
    }
  }

  /// With one essential term `e` (a word alone, or the rarest once the others fell
  /// non-essential), moves its list of one field (`field` 0: body, 1: title) past the
  /// passages up to `last` (the window, where the non-essential terms' block bounds hold)
  /// that hold `e` in that field only and cannot matter, by the tests the walk makes, in
  /// their order and with their arithmetic: the frequency at the shortest length, then the
  /// field's length (the other field's frequency is 0, so its length counts for nothing).
  /// Most turns of a median single-word query on the large tier end in one of them, in a
  /// block that holds a copy of a top text. A title is every passage of its document's, so
  /// a word in the title of a long document stands on runs of passages that hold it in the
  /// title only: taken one by one by the walk, they were 11,616 of the 12,371 turns of
  /// `bullseye`. Returns whether it moved past any: if not, the walk takes the passage the
  /// list stands on itself.
  @inline(__always)
  private func passOverOneField(
    _ field: Int, of e: Int, through last: Int64, _ lists: Lists, lengths: PassageLengths.Reader,
    nonEssential: (bound: Double, possible: UInt64), minimum: Double
  ) throws -> Bool {
    let list = 2 * e + field
    // Passages the other field's list stands on go to the walk: both frequencies count.
    let limit = min(last, Int64(lists[2 * e + 1 - field].doc) - 1)
    let cover = coverage(nonEssential.possible | 1 << UInt64(e))
    var moved = false
    while Int64(lists[list].doc) <= limit {
      let next = lists[list].doc
      if field == 0 {
        let ahead = lists[list].doc(ahead: 6)
        if ahead != .max { lengths.prefetchBody(Int(ahead)) }
      }
      let frequencyBound = nonEssential.bound + contribution(e, next, lists, shortestNorms)
      if !cannotMatter(frequencyBound * cover, minimum) {
        let norms =
          field == 0
          ? (body: bm25.lengthNorm(Int(lengths[Int(next)]), averageBody, b: bm25.b), title: 1.0)
          : (body: 1.0, title: bm25.lengthNorm(Int(lengths.title(Int(next))), averageTitle, b: bm25.titleB))
        if !cannotMatter((contribution(e, next, lists, norms) + nonEssential.bound) * cover, minimum) { break }
      }
      try lists[list].advance()
      moved = true
    }
    return moved
  }

  /// The share of a stretch's idf a passage keeps when it holds the characters but not
  /// side by side. A stretch exists only where the index lacks the characters' bigram (补零,
  /// where the text says 填充零), so the characters never stand together as unknown words;
  /// a little credit lets such a query still find the character it shares with the text,
  /// while passages holding more of the query stay ahead. Measured in docs/analysis.md.
  static let scatteredStretchCredit = 0.25

  /// The idf the first ranking credited for stretches (runs of single query characters)
  /// whose characters the passage holds, but never side by side in one field, less the
  /// share such a passage keeps.
  private func unmetStretchIDF(body: Proximity.Positions, title: Proximity.Positions) -> Double {
    var unmet = 0.0
    for stretch in plan.stretches {
      func contiguous(_ positions: Proximity.Positions) -> Bool {
        let base = stretch[0].position
        return positions[stretch[0].term].contains { start in
          stretch.allSatisfy { positions[$0.term].contains(start + $0.position - base) }
        }
      }
      if contiguous(body) || contiguous(title) { continue }
      // In term order, so the sum is the same in every process (a set's order is not).
      for term in Proximity.sortedDistinct(stretch.map(\.term)) where !body[term].isEmpty || !title[term].isEmpty {
        unmet += idf[term] * (1 - PassageScorer.scatteredStretchCredit)
      }
    }
    return unmet
  }

  /// The terms' contributions in term order, a prefix's words counting with their best
  /// (added where the next prefix's words begin, or at the end). A prefix's words are added
  /// to the plan one after the other, so its group is one stretch of term indexes (save
  /// words the query also holds elsewhere, which are not in it), and one pass suffices: a
  /// query of four broad prefixes (64 terms) took 1.5 s on the large tier when each
  /// passage looked its groups up term by term.
  static func sum(_ contributions: [Double], groups: [Int]) -> Double {
    guard !groups.isEmpty else { return contributions.reduce(0, +) }
    var sum = 0.0
    var group = -1
    var best = 0.0
    for t in contributions.indices {
      let g = groups[t]
      if g < 0 {
        sum += contributions[t]
      } else if g == group {
        best = max(best, contributions[t])
      } else {
        if group >= 0 { sum += best }
        group = g
        best = contributions[t]
      }
    }
    return group >= 0 ? sum + best : sum
  }

  /// The most a passage holding no terms but the essential ones can score.
  private func essentialBound(_ essential: [Bool]) -> Double {
    var mask: UInt64 = 0
    var sum = 0.0
    var held = [Double](repeating: 0, count: expansionGroup.isEmpty ? 0 : essential.count)
    for t in essential.indices where essential[t] {
      mask |= 1 << UInt64(t)
      sum += termBounds[t]
      if !expansionGroup.isEmpty { held[t] = termBounds[t] }
    }
    return (expansionGroup.isEmpty ? sum : PassageScorer.sum(held, groups: expansionGroup)) * coverage(mask)
  }

  /// Whether term t's lists stand on passage `doc`.
  @inline(__always)
  private static func holds(_ t: Int, _ doc: UInt32, _ lists: Lists) -> Bool {
    lists[2 * t].doc == doc || lists[2 * t + 1].doc == doc
  }

  /// Term t's BM25F in passage `doc` (its lists there), times its count in the query.
  @inline(__always)
  private func contribution(
    _ t: Int, _ doc: UInt32, _ lists: Lists, _ norms: (body: Double, title: Double)
  ) -> Double {
    let tf = lists[2 * t].doc == doc ? lists[2 * t].freq : 0
    let titleTF = lists[2 * t + 1].doc == doc ? lists[2 * t + 1].freq : 0
    return counts[t] * bm25.score(tf: tf, bodyNorm: norms.body, titleTF: titleTF, titleNorm: norms.title, idf: idf[t])
  }

  /// Moves every list that stands on `doc` past it.
  private static func pass(_ doc: UInt32, _ lists: Lists) throws {
    for i in lists.indices where lists[i].doc == doc { try lists[i].advance() }
  }

  /// The most term `t` can add to a passage from `doc` on, as far as the returned passage,
  /// from its lists' blocks there (the bound of `Postings`' skip entries), or count · idf for
  /// a list without skip data; 0 where neither list holds anything.
  private func termBlockBound(_ t: Int, at doc: UInt32, _ lists: Lists) throws -> (Double, Int64) {
    var frequency = 0.0
    var unbounded = false
    var until = Int64(UInt32.max)
    for field in 0..<2 {
      let (impact, reach) = try lists[2 * t + field].reach(at: doc)
      until = min(until, Int64(reach))
      switch impact {
      case .absent:
        break
      case .unknown:
        unbounded = true
      case .block(let maxFreq, let minRatio):
        guard maxFreq < Postings.maxFreqLimit else {
          unbounded = true
          break
        }
        let average = field == 0 ? averageBody : averageTitle
        let b = field == 0 ? bm25.b : bm25.titleB
        let ratio = Double(minRatio) / Double(Postings.ratioScale)
        let denominator = average > 0 ? (1 - b) / Double(maxFreq) + b * ratio / average : 1 / Double(maxFreq)
        guard denominator > 0 else {
          unbounded = true
          break
        }
        frequency += (field == 0 ? 1 : bm25.titleWeight) / denominator
      }
    }
    return (counts[t] * (unbounded ? idf[t] : bm25.saturate(frequency, idf: idf[t])), until)
  }

  /// The share of the clauses' weight the terms in `mask` carry (from the table when the
  /// query is short enough to have one).
  @inline(__always)
  func coverage(_ mask: UInt64) -> Double {
    mask < UInt64(coverageByMask.count)
      ? coverageByMask[Int(mask)] : clauseWeights.coverageOfManyTerms(mask, plan: plan, idf: idf)
  }

  /// The share of the clauses' weight the terms in `mask` carry.
  static func coverage(of mask: UInt64, plan: QueryPlan, idf: [Double]) -> Double {
    ClauseWeights(plan, idf: idf).coverage(of: mask, plan: plan, idf: idf)
  }

  /// What coverage needs of a query's clauses, computed once: per clause its weight (its
  /// heaviest alternative; for a prefix's words, `QueryPlan.Clause.isExpansion`, its
  /// lightest, which holding any of them covers), and their total.
  struct ClauseWeights {
    let weights: [Double]
    /// Per clause, the mask of a prefix's words (any of them covers the clause), or 0.
    let expansionMasks: [UInt64]
    let total: Double
    /// Per term, the idf it adds to the clauses of one alternative holding it (as often as
    /// their words hold it), which cover linearly: `coverageOfManyTerms` sums these over
    /// the mask's bits and loops over the other clauses only.
    private let linear: [Double]
    private let otherClauses: [Int]

    init(_ plan: QueryPlan, idf: [Double]) {
      let chunkWeights = plan.chunkWeights(idf: idf)
      weights = plan.clauses.map { clause in
        let weights = clause.alternatives.map { chunkWeights[$0] }
        return (clause.isExpansion ? weights.min() : weights.max()) ?? 0
      }
      expansionMasks = plan.clauses.map { clause in
        guard clause.isExpansion else { return 0 }
        return clause.alternatives.reduce(0) { mask, alternative in
          plan.chunks[alternative].tokens.reduce(mask) { $0 | 1 << UInt64($1.term) }
        }
      }
      total = weights.reduce(0, +)
      var linear = [Double](repeating: 0, count: plan.terms.count)
      var otherClauses: [Int] = []
      for (c, clause) in plan.clauses.enumerated() {
        if clause.isExpansion || clause.alternatives.count != 1 {
          if !clause.isExpansion { otherClauses.append(c) }
          continue
        }
        for token in plan.chunks[clause.alternatives[0]].tokens { linear[token.term] += idf[token.term] }
      }
      self.linear = linear
      self.otherClauses = otherClauses
    }

    /// `coverage(of:)` for a query too long for a table: the same value but for the last
    /// bits of rounding (the idf is summed by term, not by clause). Long pasted questions
    /// spent a third of their time in coverage, clause by clause for every passage.
    func coverageOfManyTerms(_ mask: UInt64, plan: QueryPlan, idf: [Double]) -> Double {
      var covered = 0.0
      var bits = mask
      while bits != 0 {
        covered += linear[bits.trailingZeroBitCount]
        bits &= bits - 1
      }
      for (c, expansion) in expansionMasks.enumerated() where expansion != 0 && mask & expansion != 0 {
        covered += weights[c]
      }
      for c in otherClauses { covered += ClauseWeights.bestAlternative(plan.clauses[c], mask, plan: plan, idf: idf) }
      return total > 0 ? covered / total : 0
    }

    /// The idf a clause's best alternative holds of the terms in `mask`.
    private static func bestAlternative(_ clause: QueryPlan.Clause, _ mask: UInt64, plan: QueryPlan, idf: [Double]) -> Double {
      var best = 0.0
      for alternative in clause.alternatives {
        var weight = 0.0
        for token in plan.chunks[alternative].tokens where mask & (1 << UInt64(token.term)) != 0 {
          weight += idf[token.term]
        }
        best = max(best, weight)
      }
      return best
    }

    /// Per clause, its best alternative's matched idf (all its weight for a prefix's word),
    /// over the clauses' total weight.
    func coverage(of mask: UInt64, plan: QueryPlan, idf: [Double]) -> Double {
      var covered = 0.0
      for (c, clause) in plan.clauses.enumerated() {
        if expansionMasks[c] != 0 {
          if mask & expansionMasks[c] != 0 { covered += weights[c] }
          continue
        }
        covered += ClauseWeights.bestAlternative(clause, mask, plan: plan, idf: idf)
      }
      return total > 0 ? covered / total : 0
    }
  }

  /// Every required clause has an alternative present: a word with a term at each of its
  /// positions, a phrase with its terms side by side, title: items in the title.
  private func requiredClausesHold(_ doc: UInt32, _ mask: UInt64, _ lists: Lists) throws -> Bool {
    for clause in plan.clauses where clause.isRequired {
      var holds = false
      for alternative in clause.alternatives where try chunkHolds(alternative, doc, mask, lists) {
        holds = true
        break
      }
      if !holds { return false }
    }
    return true
  }

  private func chunkHolds(_ c: Int, _ doc: UInt32, _ mask: UInt64, _ lists: Lists) throws -> Bool {
    let chunk = plan.chunks[c]
    let pattern = phrases[c]
    let fields = chunk.inTitle ? [1] : [0, 1]
    func present(_ term: Int) -> Bool {
      chunk.inTitle ? lists[2 * term + 1].doc == doc : mask & (1 << UInt64(term)) != 0
    }
    guard pattern.groups.allSatisfy({ $0.slots.contains(where: present) }) else { return false }
    guard chunk.isPhrase && pattern.groups.count >= 2 else { return true }
    for field in fields where try pattern.matches({ try lists[2 * $0 + field].positions(at: doc) }) {
      return true
    }
    return false
  }

  /// Whether an excluded word or phrase occurs in passage `doc` (in the title only, for
  /// -title:…). Exclusion lists are advanced to `doc` as the walk goes.
  private func isExcluded(_ doc: UInt32, _ exclusions: inout [[PostingList]]) throws -> Bool {
    for (e, exclusion) in plan.exclusions.enumerated() {
      for i in exclusions[e].indices { try exclusions[e][i].advance(to: doc) }
      let pattern = exclusionPatterns[e]
      for field in exclusion.inTitle ? [1] : [0, 1] {
        let present = pattern.groups.allSatisfy { group in
          group.slots.contains { exclusions[e][2 * $0 + field].doc == doc }
        }
        guard present else { continue }
        if pattern.groups.count < 2 { return true }
        if try pattern.matches({ try exclusions[e][2 * $0 + field].positions(at: doc) }) { return true }
      }
    }
    return false
  }
}

/// The tokens of a word or phrase grouped by relative position (tokens sharing a position
/// are alternatives, e.g. gpt-4 and gpt); it occurs where every group has a token at its
/// offset from a common start.
struct PhrasePattern {
  var groups: [(offset: Int32, slots: [Int])] = []

  init(_ tokens: [(slot: Int, position: Int32)]) {
    for token in tokens.sorted(by: { $0.position < $1.position }) {
      if let last = groups.last, last.offset == token.position {
        if !last.slots.contains(token.slot) { groups[groups.count - 1].slots.append(token.slot) }
      } else {
        groups.append((token.position, [token.slot]))
      }
    }
  }

  /// Whether the pattern occurs, given each slot's sorted positions in one field.
  func matches(_ positions: (Int) throws -> [Int32]) rethrows -> Bool {
    guard let first = groups.first else { return false }
    var lists: [[[Int32]]] = []
    for group in groups { lists.append(try group.slots.map(positions)) }
    for anchorList in lists[0] {
      for anchor in anchorList {
        let start = anchor - first.offset
        var all = true
        for g in 1..<groups.count where !lists[g].contains(where: { PhrasePattern.contains($0, start + groups[g].offset) }) {
          all = false
          break
        }
        if all { return true }
      }
    }
    return false
  }

  /// Binary search in sorted positions.
  static func contains(_ sorted: [Int32], _ value: Int32) -> Bool {
    var low = 0
    var high = sorted.count
    while low < high {
      let middle = (low + high) / 2
      if sorted[middle] < value { low = middle + 1 } else { high = middle }
    }
    return low < sorted.count && sorted[low] == value
  }
}

/// The pruning thresholds reached in each segment a query's threads share out (`Searcher`),
/// by their place in segment order. A segment may be pruned with the threshold reached in
/// an earlier one so far: one thread scoring every segment in order would have had that
/// threshold at least there (a heap's threshold only rises, and every heap has seen a
/// subset of what that thread's would have). Never the other way round: a later segment's
/// candidates come after an earlier one's.
final class SharedThresholds {
  private let values: UnsafeMutablePointer<Atomic<UInt64>>
  private let count: Int

  init(segments: Int) {
    count = segments
    values = .allocate(capacity: segments)
    for s in 0..<segments { (values + s).initialize(to: Atomic((-Double.infinity).bitPattern)) }
  }

  deinit {
    values.deinitialize(count: count)
    values.deallocate()
  }

  func publish(_ threshold: Double, from order: Int) {
    values[order].store(threshold.bitPattern, ordering: .relaxed)
  }

  /// The highest threshold reached in the segments before the one at `order`.
  func highest(before order: Int) -> Double {
    var highest = -Double.infinity
    for s in 0..<order { highest = max(highest, Double(bitPattern: values[s].load(ordering: .relaxed))) }
    return highest
  }
}
