import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Making hits of ranked candidates: reading their stored passages, collapsing copies of
/// one text into its best-ranked passage (`Copies`), and marking each hit's matches.
extension Searcher {
  /// The first k distinct texts of `ranked` (best first) as hits, each citing the copies
  /// of it found among the candidates read; the candidates after the k-th hit that share a
  /// hit's copy signature are read too, to cite them.
  ///
  /// The searcher's thread decides, candidate by candidate in rank order, which are hits
  /// and which copies; what does not depend on that order runs on whichever of the query's
  /// threads gets to it first: reading the passages (`PassageReadAhead`) and making a
  /// chosen hit's highlights and snippet (`HitFinishing`). With the searcher's thread doing
  /// the hits' ICU analysis itself, it was a quarter of a median large-tier query's hit
  /// making.
  func makeHits(
    _ ranked: [Candidate], plan: QueryPlan, k: Int, explain: Bool, scorer: PassageScorer, pool: PositionPool,
    blocks: SharedBlocks
  ) throws -> [Hit] {
    let termBytes = plan.terms.map { Array($0.text.utf8) }
    // Han and kana are segmented only in runs that contain a query term: no token of
    // another run can be highlighted. A term that also holds other characters (none of
    // today's analysis does) keeps each run holding one of its Han or kana characters.
    var highlightedRuns: [[UInt16]] = []
    for term in plan.terms {
      let scalars = term.text.unicodeScalars
      guard scalars.contains(where: { Analyzer.isDictionaryScript($0.value) }) else { continue }
      if scalars.allSatisfy({ Analyzer.isDictionaryScript($0.value) }) {
        highlightedRuns.append(Array(term.text.utf16))
      } else {
        for scalar in scalars where Analyzer.isDictionaryScript(scalar.value) { highlightedRuns.append(Array(String(scalar).utf16)) }
      }
    }
    let folding = index.manifest.folding
    let passages = try PassageReadAhead(
      ranked.map { (index.segments[$0.segment].store, Int($0.doc)) }, folding: folding, blocks: blocks)
    let finishing = HitFinishing(capacity: k)
    // The hits' texts, term sets (computed once a later passage is similar enough to need
    // them), character pairs, scripts and copy signatures, and the copies each cites.
    var hitTexts: [String] = []
    var hitTerms: [[UInt64]?] = []
    var hitPairs: [[UInt64]] = []
    var hitTraditional: [Bool] = []
    var hitSignatures: [UInt16] = []
    var citations: [[Hit.Citation]] = []

    func decide() throws {
      // Once k hits are found, the next few candidates are still looked at, to cite copies
      // of them; only those sharing a hit's copy signature are read (on the large tier, the
      // others were half the passages a query read, and a tenth of its time).
      var lookahead = 2 * k
      for (rank, entry) in ranked.enumerated() {
        if hitTexts.count == k {
          if lookahead == 0 { break }
          lookahead -= 1
          if !hitSignatures.contains(entry.signature) { continue }
        }
        let store = index.segments[entry.segment].store
        let fetched = try passages.passage(rank)
        let passage = fetched.passage
        fetchedPassages += 1
        func cite(_ h: Int) throws {
          let document = try store.document(passage.document)
          citations[h].append(Hit.Citation(path: document.path, lineStart: passage.lineStart, lineEnd: passage.lineEnd))
        }
        // A passage with the text of a hit is cited at once: the comparisons below would
        // make it a copy of that hit and no other, as the hits are not copies of each other.
        if let h = hitTexts.firstIndex(of: passage.text) {
          try cite(h)
          continue
        }
        // A passage sharing few character pairs with every hit so far cannot be a copy; once
        // k hits are found, such a passage is passed over without computing its term set.
        // A copy is written in its hit's script.
        let similar = hitPairs.indices.filter {
          hitTraditional[$0] == fetched.traditional
            && Copies.pairJaccard(hitPairs[$0], fetched.pairs) >= Copies.pairPrefilter
        }
        if similar.isEmpty && hitTexts.count == k { continue }
        var terms = fetched.terms
        if !similar.isEmpty {
          let mine = try terms ?? analyzer.fingerprint(passage.text)
          terms = mine
          if let original = try similar.first(where: { h in
            if hitTerms[h] == nil { hitTerms[h] = try analyzer.fingerprint(hitTexts[h]) }
            return Copies.jaccard(hitTerms[h]!, mine) >= Copies.termSimilarity
          }) {
            try cite(original)
            continue
          }
        }
        if hitTexts.count == k { continue }
        hitTexts.append(passage.text)
        hitTerms.append(terms)
        hitPairs.append(fetched.pairs)
        hitTraditional.append(fetched.traditional)
        hitSignatures.append(entry.signature)
        citations.append([])
        passages.addHit(rank)
        finishing.add(.init(entry: entry, passage: passage))
      }
    }

    // Claimed hit h's document, highlights (ICU analysis of the runs holding query terms),
    // snippet and explanation.
    func make(_ h: Int, analyzer: Analyzer) {
      finishing.made(h, Result { try hit(h, analyzer: analyzer) })
    }
    func hit(_ h: Int, analyzer: Analyzer) throws -> Hit {
      let entry = finishing.chosen(h).entry
      let passage = finishing.chosen(h).passage
      let document = try index.segments[entry.segment].store.document(passage.document)
      try analyzer.analyzeTerms(passage.text, dictionaryRuns: .containing(highlightedRuns))
      let highlights = Highlighter.highlights(analyzer.terms, terms: termBytes)
      return Hit(
        rank: h + 1, score: entry.score, path: document.path, lineStart: passage.lineStart,
        lineEnd: passage.lineEnd, title: document.title, url: document.url, date: document.date,
        text: passage.text, highlights: highlights,
        match: entry.coverage >= Searcher.fullCoverage ? .full : .partial,
        snippet: Snippet.best(passage.text, highlights: highlights),
        explanation: explain ? explanation(entry, scorer: scorer, pool: pool) : nil)
    }

    func decideAndMake() throws {
      let decided = Result { try decide() }
      // Also when deciding failed: the helper stops.
      finishing.close()
      passages.finish()
      try decided.get()
      while let h = finishing.claim() { make(h, analyzer: analyzer) }
    }

    var failure: Error? = nil
    if threadCount > 1 && ranked.count > 1 {
      queryThreads.run(2) { thread in
        guard thread == 1 else {
          do { try decideAndMake() } catch { failure = error }
          return
        }
        // The helper: makes the hits chosen so far, else reads ahead, until every hit is
        // chosen and claimed. Its analyzer is made here, the first time, off the searcher's
        // path.
        let analyzer: Analyzer
        if let made = helperAnalyzer {
          analyzer = made
        } else {
          guard let made = try? Analyzer(folding: folding) else { return }
          helperAnalyzer = made
          analyzer = made
        }
        var idle = 0
        while true {
          // Read first: once closed, every hit is claimable.
          let closed = finishing.isClosed
          if let h = finishing.claim() {
            make(h, analyzer: analyzer)
            continue
          }
          if closed { return }
          if passages.readNext(analyzer: analyzer) {
            idle = 0
            continue
          }
          idle += 1
          if idle > 64 { sched_yield() }
        }
      }
    } else {
      do { try decideAndMake() } catch { failure = error }
    }
    if let failure { throw failure }
    var hits = try finishing.hits()
    for h in hits.indices { hits[h].duplicates = citations[h] }
    return hits
  }

  /// The parts of a candidate's score, recomputed from its positions (a term's frequency
  /// in a field is the number of its positions there).
  private func explanation(_ entry: Candidate, scorer: PassageScorer, pool: PositionPool) -> Hit.Explanation {
    let plan = scorer.plan
    let idf = scorer.idf
    let segment = index.segments[entry.segment]
    let length = Int(segment.lengths[Int(entry.doc)])
    let titleLength = Int(segment.lengths.title(Int(entry.doc)))
    var terms: [Hit.Explanation.Term] = []
    var scores: [Double] = []
    for (t, term) in plan.terms.enumerated() {
      let tf = entry.slot < 0 ? 0 : pool.body[entry.slot][t].count
      let titleTF = entry.slot < 0 ? 0 : pool.title[entry.slot][t].count
      let score = Double(term.count) * bm25.score(
        body: FieldStatistics(tf: tf, length: length, averageLength: scorer.averageBody),
        title: FieldStatistics(tf: titleTF, length: titleLength, averageLength: scorer.averageTitle), idf: idf[t])
      scores.append(score)
      // A prefix's words the passage does not hold are left out: up to 16 lines of zeros.
      let absentExpansion = !scorer.expansionGroup.isEmpty && scorer.expansionGroup[t] >= 0 && tf == 0 && titleTF == 0
      if absentExpansion { continue }
      terms.append(.init(term: term.text, idf: idf[t], tf: tf, length: length, titleTF: titleTF, titleLength: titleLength, score: score))
    }
    // A prefix's words count with their best (`PassageScorer.sum`).
    let total =
      scorer.expansionGroup.isEmpty ? scores.reduce(0, +) : PassageScorer.sum(scores, groups: scorer.expansionGroup)
    let factor = proximity.factor(phrase: entry.phrase, closeness: entry.closeness)
    return Hit.Explanation(
      bm25: total, coverage: entry.coverage, listPage: scorer.listPageFactors[Int(segment.lengths.listShare(Int(entry.doc)))],
      phrase: entry.phrase, closeness: entry.closeness, proximity: factor, parameters: bm25, terms: terms)
  }
}

/// The hits the searcher's thread chose, made into `Hit`s by whichever of the query's
/// threads claims each first (`Searcher.makeHits`).
final class HitFinishing {
  struct Chosen {
    var entry: Candidate
    var passage: PassageStore.StoredPassage
  }

  private let chosenHits: PublishedList<Chosen>
  private let madeHits: Slots<Result<Hit, Error>>
  private let claimedCount = Atomic<Int>(0)
  private let closed = Atomic<Bool>(false)

  init(capacity: Int) {
    chosenHits = PublishedList(capacity: capacity)
    madeHits = Slots(capacity)
  }

  /// Adds a chosen hit (the searcher's thread only).
  func add(_ chosen: Chosen) {
    chosenHits.append(chosen)
  }

  /// Says that no hit will be added.
  func close() {
    closed.store(true, ordering: .releasing)
  }

  /// Whether no hit will be added; the hits added before are then all claimable.
  var isClosed: Bool { closed.load(ordering: .acquiring) }

  /// The next chosen hit nobody has claimed, claimed for the caller.
  func claim() -> Int? {
    while true {
      let next = claimedCount.load(ordering: .relaxed)
      guard next < chosenHits.count else { return nil }
      if claimedCount.compareExchange(expected: next, desired: next + 1, ordering: .relaxed).exchanged { return next }
    }
  }

  /// Claimed hit `h`'s chosen passage.
  func chosen(_ h: Int) -> Chosen { chosenHits[h] }

  /// Claimed hit `h`, made (or what stopped it).
  func made(_ h: Int, _ hit: Result<Hit, Error>) {
    madeHits[h] = hit
  }

  /// The hits, in order, once every thread that made them has returned.
  func hits() throws -> [Hit] {
    try (0..<chosenHits.count).map { try madeHits[$0]!.get() }
  }
}
