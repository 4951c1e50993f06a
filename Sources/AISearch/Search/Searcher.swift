import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Answers queries against an open index: analyze, score every matching passage with BM25,
/// keep the best k, fetch their stored text and citation, mark the matches.
///
/// Ranking is BM25 times the passage's idf-weighted coverage of the query: the share of the
/// query's total idf carried by the terms the passage holds. A plain BM25 sum lets a
/// passage that repeats one common query word beat one that holds the rarest word too
/// (on the seeds, "昇腾 910C" put five passages about 昇腾 alone above the one about the
/// 910C); coverage keeps BM25's order among passages that match the same terms and ranks
/// passages that match more of the query's information first.
///
/// Passages of contents pages and link lists are scored lower (`ListPagePrior`). The best
/// candidates are then re-ranked with phrase and proximity evidence from the terms'
/// positions (`Proximity`).
///
/// A `Searcher` owns an analyzer (an ICU iterator), so use one per thread.
public final class Searcher {
  public let index: IndexReader
  public var bm25 = BM25()
  /// MaxScore pruning (`PassageScorer`); off only to compare with exhaustive scoring.
  public var dynamicPruning = true
  /// Passages the last query scored.
  public private(set) var scoredPassages = 0
  /// The last query's time spent finding and ranking candidates (the rest is reading and
  /// preparing hits), and the stored passages it read to make its hits and citations.
  public private(set) var rankingDuration = Duration.zero
  public internal(set) var fetchedPassages = 0
  var proximity = Proximity()
  var listPagePrior = ListPagePrior()
  let analyzer: Analyzer
  /// The analyzer of the thread that helps make the hits (`makeHits`), made there on the
  /// first query that needs it.
  var helperAnalyzer: Analyzer?
  let queryThreads = QueryThreads()

  public init(index: IndexReader) throws {
    self.index = index
    analyzer = try Analyzer(folding: index.manifest.folding)
  }

  /// Distinct copy signatures whose passages are re-ranked with positions (with their
  /// probable copies: `CandidateHeap`), at least k. Counting signatures,
  /// not passages, the development queries score the same at 10, 20, 40 and 100, and 10
  /// gives more distinct hits than 100 passages did (docs/analysis.md).
  var rerankDepth = 10

  /// Threads a query runs on: they take its segments, most postings first, each the next
  /// one not yet taken (one thread scores every segment where the index has one segment
  /// with postings of the query or the query's lists are short: `parallelScoringPostings`),
  /// and with two or more the hits' passages are read ahead (`PassageReadAhead`).
  public var threadCount = min(2, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
  /// The postings (summed over the query's lists) below which one thread scores every
  /// segment. Large tier, 500 queries, three runs each: p50 2.10 ms at 0, 2.06 at 500,
  /// 2.10 at 2,000, 2.25 at 8,000 and 20,000, 2.31 at 60,000; waking a second thread costs
  /// little next to even a short list's walk.
  var parallelScoringPostings = 1_000
  /// The anchor terms of the last query's ranking (`anchorTerms`; for tests).
  private(set) var anchorTermCount = 0
  /// The last query's stretches (`QueryPlan.stretches`; for tests).
  private(set) var stretchCount = 0
  /// The segments the last query's threads shared out (0 when one thread scored them all;
  /// for tests).
  private(set) var sharedSegmentCount = 0

  /// Whether a query whose lists hold `postings` in each segment is scored on more than
  /// one thread: with two threads or more, two segments or more holding postings, and at
  /// least `minimum` of them in all.
  static func scoresInParallel(postings: [Int], threads: Int, minimum: Int) -> Bool {
    let total = postings.reduce(0, +)
    return threads > 1 && postings.filter { $0 > 0 }.count > 1 && total >= minimum
  }

  /// The share of the index's passages above which a query word is common
  /// (`anchorTerms`): 1%. On the large tier's 500 latency queries 1% and 2% give the same
  /// hits and 5% those of no such rule; the development queries score the same at 1–10%.
  var commonTermShare = 0.01

  /// The terms a passage must hold one of to be ranked, as a mask of the plan's terms: the
  /// rarer ones, when the query also has common ones (in more than `commonShare` of the
  /// passages); 0 (no such rule) otherwise, or when the query has required items, which
  /// already say what a passage must hold. For `NCSA the`, a passage holding only `the`
  /// cannot be an answer while passages holding `NCSA` exist, and its score is low (BM25's
  /// idf and coverage see to that) but not zero, so the walk had to visit every passage
  /// holding `the` until ten better ones were found. The common words still score in the
  /// passages the anchors propose. This is Lucene's CommonTermsQuery and Elasticsearch's
  /// `common` query with a low-frequency operator of OR.
  static func anchorTerms(
    _ plan: QueryPlan, idf: [Double], documentFrequencies df: [Int], passages: Int, commonShare: Double
  ) -> UInt64 {
    guard plan.terms.count <= 64, !plan.clauses.contains(where: \.isRequired) else { return 0 }
    let limit = commonShare * Double(passages)
    var anchors: UInt64 = 0
    var common: UInt64 = 0
    for t in plan.terms.indices {
      if Double(df[t]) > limit {
        common |= 1 << UInt64(t)
      } else if df[t] > 0 {
        anchors |= 1 << UInt64(t)
      }
    }
    guard common != 0, anchors != 0 else { return 0 }
    return PassageScorer.coverage(of: common, plan: plan, idf: idf) < confidentCoverage ? anchors : 0
  }

  /// The candidates whose passages' blocks are decompressed while the candidates are
  /// re-ranked (a median large-tier query reads 29 passages for its hits).
  static let prefetchedCandidates = 24

  /// Probable copies of a candidate kept beside it (to be cited, or shown when their text
  /// turns out not to be a copy), at least k.
  static let followerLimit = 32

  /// The top `k` passages for `query` (in the query language of `ParsedQuery`), best first,
  /// and whether any of them is a confident answer; no hits when nothing matches.
  public func search(_ query: String, k: Int, explain: Bool = false) throws -> SearchResult {
    var result = try search(query, k: k, explain: explain, anchoring: true)
    // Without hits, a filter that no document passes is the likely reason (a mistyped
    // path, a tag never used), and says so; with hits none can be.
    if result.hits.isEmpty {
      for group in try ParsedQuery(query).filters {
        guard try !index.segments.contains(where: { try Filters.anyDocument(passes: group, in: $0) }) else { continue }
        let text = group.filters.map(\.text).joined(separator: " OR ")
        result.notes.append(
          group.negated
            ? "every indexed document matches \(text), which the query excludes" : "no indexed document matches \(text)")
      }
    }
    return result
  }

  private func search(_ query: String, k: Int, explain: Bool, anchoring: Bool) throws -> SearchResult {
    let started = ContinuousClock.now
    fetchedPassages = 0
    anchorTermCount = 0
    stretchCount = 0
    rankingDuration = .zero
    let parsed = try ParsedQuery(query)
    var lookups: [String: [TermDictionary.Info?]] = [:]
    // Each term is looked up once per segment, for planning and for reading its postings.
    func infos(_ term: String) throws -> [TermDictionary.Info?] {
      if let known = lookups[term] { return known }
      let bytes = Array(term.utf8)
      let found = try index.segments.map { try $0.terms.lookup(bytes) }
      lookups[term] = found
      return found
    }
    let plan = try QueryPlan(
      parsed, analyzer: analyzer, indexed: { try infos($0).contains { $0 != nil } }, longerWord: longerWord,
      expand: wordsBeginning)
    var result = SearchResult(hits: [], confident: false, notes: plan.notes)
    if !parsed.hasPositiveItems && plan.filters.isEmpty {
      result.notes.append(
        parsed.clauses.isEmpty
          ? "the query has nothing to search for" : "the query has nothing to search for (only exclusions)")
    } else if parsed.hasPositiveItems && plan.chunks.isEmpty && plan.unmatchedPrefixes == 0 {
      // Words the analyzer reads as nothing (punctuation, symbols, tokens too long to be
      // indexed) leave no term.
      result.notes.append(
        "the query has nothing to search for (only punctuation, or words over \(Analyzer.maxTokenScalars) characters, which are not indexed)")
    }
    guard k > 0, index.passageCount > 0, !plan.chunks.isEmpty || (!plan.filters.isEmpty && !parsed.hasPositiveItems)
    else { return result }

    // idf per term; a passage holding the term in either field counts once, which the
    // dictionaries cannot tell, so n is the larger of the two fields' counts over the whole
    // index (as Lucene's CombinedFieldQuery takes it): the larger per segment, summed, made
    // scores depend on where segments were cut (large tier: 4 of 500 queries).
    // Dictionaries count deleted passages until a merge drops them, so N counts them too,
    // as Lucene's docCount does: n ≤ N keeps idf positive, which pruning's bounds rely on.
    var idf: [Double] = []
    var frequencies: [Int] = []
    var missingWord = false
    for term in plan.terms {
      let body = try infos(term.text)
      let title = try infos(Field.titlePrefix + term.text)
      var bodyDF = 0
      var titleDF = 0
      for s in index.segments.indices {
        bodyDF += Int(body[s]?.docFreq ?? 0)
        titleDF += Int(title[s]?.docFreq ?? 0)
      }
      let df = max(bodyDF, titleDF)
      frequencies.append(df)
      idf.append(bm25.idf(passages: index.storedPassageCount, containing: df))
      if df == 0, let first = term.text.unicodeScalars.first, !HanRun.isHan(first.value) {
        missingWord = true
        // Only for a word written as the index would hold it: the stem of Redis is redi,
        // which the user did not write.
        if query.lowercased().split(whereSeparator: \.isWhitespace).contains(Substring(term.text)),
          let nearest = try suggestion(for: term.text)
        {
          result.notes.append("no passage holds \(term.text); did you mean \(nearest)?")
        }
      }
    }
    let anchors =
      anchoring
      ? Searcher.anchorTerms(
        plan, idf: idf, documentFrequencies: frequencies, passages: index.storedPassageCount, commonShare: commonTermShare) : 0
    anchorTermCount = anchors.nonzeroBitCount
    stretchCount = plan.stretches.count
    if explain {
      for (prefix, words) in plan.expandedPrefixes {
        result.notes.append("\(prefix)* was searched as \(words.joined(separator: ", "))")
      }
    }
    if explain && anchors != 0 {
      let common = plan.terms.indices.filter { anchors & (1 << UInt64($0)) == 0 && frequencies[$0] > 0 }
      result.notes.append(
        "common words (\(common.map { plan.terms[$0].text }.joined(separator: ", "))) count only in passages holding a rarer word of the query")
    }
    // Candidates are collected for k distinct copy signatures. Near-copies of one text
    // can carry different signatures (a boilerplate paragraph beside different lines) and
    // then collapse into one hit, leaving fewer than k hits although more passages match,
    // some of them better than the last hit (medium tier: 5 of 496 latency queries, one
    // with 4 hits of 10; large: 16, one with 2); the collection is then run again, twice
    // as deep, until k hits or every matching signature is in.
    scoredPassages = 0
    var depth = k
    while true {
      guard let ranked = try rank(plan, depth: depth, idf: idf, anchors: anchors, infos: infos) else {
        // No passage holding a rarer word passed the query's exclusions and filters: the
        // common words' passages are better than nothing.
        return try search(query, k: k, explain: explain, anchoring: false)
      }
      rankingDuration = ContinuousClock.now - started
      result.hits = try makeHits(
        ranked.candidates, plan: plan, k: k, explain: explain, scorer: ranked.scorer, pool: ranked.pool,
        blocks: ranked.blocks)
      result.confident =
        !missingWord && (ranked.candidates.first.map { $0.coverage >= Searcher.confidentCoverage } ?? false)
      if result.hits.count >= k || !ranked.mayHaveMore || depth >= Searcher.maxCollectionDepth(k) { return result }
      depth *= 2
    }
  }

  /// The candidates of `depth` distinct copy signatures, re-ranked by proximity, best
  /// first, and whether pruning may have left out more; nil when none is left and the
  /// query has anchor terms (`anchorTerms`).
  private func rank(
    _ plan: QueryPlan, depth: Int, idf: [Double], anchors: UInt64, infos: (String) throws -> [TermDictionary.Info?]
  ) throws -> (candidates: [Candidate], scorer: PassageScorer, pool: PositionPool, blocks: SharedBlocks, mayHaveMore: Bool)? {
    var scorer = try PassageScorer(
      plan: plan, idf: idf, bm25: bm25, listPagePrior: listPagePrior, index: index, anchors: anchors)
    scorer.dynamicPruning = dynamicPruning
    scorer.liftLimit = proximity.maximumFactor
    let collected = try collectCandidates(plan, k: depth, scorer: &scorer, infos: infos)
    scoredPassages += scorer.scoredPassages
    var candidates = collected.candidates
    // Only passages that re-ranking could lift into the top k are re-ranked.
    if let liftLimit = scorer.liftLimit, let kth = collected.kthScore {
      candidates.removeAll { $0.score * liftLimit < kth }
    }
    // While this thread reads the candidates' positions and re-ranks them, the other
    // decompresses the blocks of the best by first-pass score, for the hits to come.
    let blocks = SharedBlocks()
    var pool = PositionPool()
    func rerank() throws {
      pool = plan.chunks.isEmpty ? PositionPool() : try readPositions(&candidates, plan: plan, lists: collected.lists)
      for i in candidates.indices {
        guard candidates[i].slot >= 0 else { continue }
        let body = pool.body[candidates[i].slot]
        let features = proximity.features(plan, positions: body, idf: idf)
        candidates[i].phrase = features.phrase
        candidates[i].closeness = features.closeness
        candidates[i].score *= proximity.factor(phrase: features.phrase, closeness: features.closeness)
      }
    }
    if threadCount > 1 && candidates.count > 1 && !plan.chunks.isEmpty {
      let best = candidates.prefix(Searcher.prefetchedCandidates).map { (index.segments[$0.segment].store, Int($0.doc)) }
      for (store, _) in best { try store.prepareDictionary() }
      let reranked = Atomic<Bool>(false)
      var failure: Error? = nil
      queryThreads.run(2) { thread in
        guard thread == 1 else {
          do { try rerank() } catch { failure = error }
          reranked.store(true, ordering: .relaxed)
          return
        }
        for (store, passage) in best {
          if reranked.load(ordering: .relaxed) { break }
          // A block that cannot be read here is read, and its error reported, by the hits.
          _ = try? store.passage(sharing: passage, blocks: blocks)
        }
      }
      if let failure { throw failure }
    } else {
      try rerank()
    }
    if !plan.chunks.isEmpty { candidates.removeAll { $0.score <= 0 } }
    if candidates.isEmpty && anchors != 0 { return nil }
    return (candidates.sorted(by: Candidate.ranksBefore), scorer, pool, blocks, collected.kthScore != nil)
  }

  /// Reads the query terms' positions in `candidates` into a pool (`Candidate.slot`), a
  /// segment at a time in passage order, over the cursors the segment's walk left
  /// (`lists`), rewound: they keep the skip entries they decoded, which new cursors would
  /// decode again (0.11 ms of a median large-tier query). The walk reads no positions: its
  /// heaps admit 530 passages for a median query of the large tier (650 on two threads,
  /// each heap starting lower), of which some 70 reach re-ranking; reading and keeping the
  /// positions of every admitted passage was most of what admitting one cost.
  private func readPositions(
    _ candidates: inout [Candidate], plan: QueryPlan, lists walked: [[PostingList]?]
  ) throws -> PositionPool {
    var pool = PositionPool()
    let order = candidates.indices.sorted {
      (candidates[$0].segment, candidates[$0].doc) < (candidates[$1].segment, candidates[$1].doc)
    }
    var lists: [PostingList] = []
    var segment = -1
    for i in order {
      let doc = candidates[i].doc
      if candidates[i].segment != segment {
        segment = candidates[i].segment
        guard let left = walked[segment] else { preconditionFailure("a candidate of segment \(segment), which no walk took") }
        lists = try left.map { try $0.rewound() }
      }
      var body: [[Int32]] = []
      var title: [[Int32]] = []
      for t in plan.terms.indices {
        try lists[2 * t].advance(to: doc)
        try lists[2 * t + 1].advance(to: doc)
        body.append(try lists[2 * t].positions(at: doc))
        title.append(try lists[2 * t + 1].positions(at: doc))
      }
      candidates[i].slot = pool.store(body: body, title: title)
    }
    return pool
  }

  /// How deep the collection of candidates may go for k hits (`search`).
  static func maxCollectionDepth(_ k: Int) -> Int { max(16 * k, 100) }

  /// What the first ranking hands to re-ranking.
  private struct CollectedCandidates {
    var candidates: [Candidate]
    /// The k-th best first-pass score among distinct copy signatures, once k were found.
    var kthScore: Double?
    /// Per segment, the lists its walk took (nil for a segment not walked).
    var lists: [[PostingList]?] = []
  }

  /// The passages to re-rank: with query terms, the best by first-pass score and their
  /// probable copies (`CandidateHeap`), from the walk on one thread or shared out over
  /// several; with filters alone, the first passages that pass them.
  private func collectCandidates(
    _ plan: QueryPlan, k: Int, scorer: inout PassageScorer, infos: (String) throws -> [TermDictionary.Info?]
  ) throws -> CollectedCandidates {
    // The k-th best score among distinct signatures: counting copies would raise it to
    // the best copy's score and prune the distinct passages the hits are made of.
    var kBest = CandidateHeap(capacity: k, followerLimit: 0)
    let depth = max(k, rerankDepth)
    // A follower is dropped only below k others of its signature: as a heap of k
    // passages would have dropped it.
    var top = CandidateHeap(capacity: depth, followerLimit: max(k, Searcher.followerLimit))
    // Filters alone: the first `depth` passages that pass, in index order (no ranking, so
    // no heap: a full heap refused the next segment's passages, and inserting one crashed).
    var filtered: [Candidate] = []
    if plan.chunks.isEmpty {
      segments: for (s, segment) in index.segments.enumerated() {
        if filtered.count == depth { break }
        let allowed = try Filters.allowed(plan.filters, in: segment)
        for doc in 0..<segment.passageCount where !segment.isDeleted(doc) && allowed?[doc] != false {
          filtered.append(Candidate(segment: s, doc: UInt32(doc), coverage: 1, score: 0))
          if filtered.count == depth { break segments }
        }
      }
    } else {
      // Every dictionary entry a segment's walk needs, looked up here: `infos` caches them
      // in a dictionary the scoring threads must not write.
      var entries: [(body: [TermDictionary.Info?], title: [TermDictionary.Info?])] = []
      for term in plan.terms { entries.append((try infos(term.text), try infos(Field.titlePrefix + term.text))) }
      var excluded: [[(body: [TermDictionary.Info?]?, title: [TermDictionary.Info?])]] = []
      for exclusion in plan.exclusions {
        excluded.append(
          try exclusion.tokens.map { (exclusion.inTitle ? nil : try infos($0.text), try infos(Field.titlePrefix + $0.text)) })
      }
      let segments = index.segments
      let filters = plan.filters
      // Written by the thread that walks the segment.
      let walked = Slots<[PostingList]>(segments.count)
      func score(
        _ s: Int, _ scorer: inout PassageScorer, _ top: inout CandidateHeap, _ kBest: inout CandidateHeap,
        _ admitted: inout [Candidate]?, _ thresholds: (shared: SharedThresholds, order: Int)? = nil
      ) throws {
        let segment = segments[s]
        func lists(_ body: TermDictionary.Info?, _ title: TermDictionary.Info?) throws -> [PostingList] {
          [try PostingList(body.map { try segment.cursor($0) }), try PostingList(title.map { try segment.cursor($0) })]
        }
        let termLists = try entries.flatMap { try lists($0.body[s], $0.title[s]) }
        walked[s] = termLists
        let exclusionLists = try excluded.map { tokens in try tokens.flatMap { try lists($0.body?[s], $0.title[s]) } }
        let allowed = try Filters.allowed(filters, in: segment)
        try scorer.scoreSegment(
          s, segment, lists: termLists, exclusions: exclusionLists, allowed: allowed, into: &top, best: &kBest,
          admitted: &admitted, thresholds: thresholds)
      }
      let postings = segments.indices.map { s in
        entries.reduce(0) { $0 + Int($1.body[s]?.docFreq ?? 0) + Int($1.title[s]?.docFreq ?? 0) }
      }
      var noLog: [Candidate]? = nil
      // Segments are walked with the most postings of the query first, on one thread as on
      // two: with copies side by side one segment can hold most of a heavy query's work,
      // and taken last it left the other thread idle (a quarter of the summed ranking time
      // on the large tier); taken first, its threshold also prunes the other segments
      // (passages scored −8 to −13%).
      let byWork = segments.indices.sorted { postings[$0] > postings[$1] || (postings[$0] == postings[$1] && $0 < $1) }
      if !Searcher.scoresInParallel(postings: postings, threads: threadCount, minimum: parallelScoringPostings) {
        sharedSegmentCount = 0
        for s in byWork { try score(s, &scorer, &top, &kBest, &noLog) }
      } else {
        // The threads take the segments in that order, each the next one not yet taken, and
        // score them with heaps of their own, logging per segment every candidate they
        // admit. Replayed segment by segment in that order into one pair of heaps, the logs
        // make the heaps one thread would have made: the same hits and citations, exactly.
        // (A heap's contents alone are not enough: which followers it keeps depends on the
        // order candidates came in.) A thread's heaps have seen some of the segments before the
        // one it scores, so they prune with a threshold no higher than one thread's would
        // be there; so does the highest threshold reached in the segments before it, which
        // it also prunes with. Two fixed ranges of segments, one per thread, left one thread
        // idle while the other finished, and scored 1.4% more passages.
        let units = byWork.filter { postings[$0] > 0 }
        sharedSegmentCount = units.count
        let threads = min(threadCount, units.count)
        // Per segment its log; per thread its scorer.
        let logs = Slots<Result<[Candidate], Error>>(units.count)
        let ends = Slots<PassageScorer>(threads)
        let start = scorer
        let thresholds = SharedThresholds(segments: units.count)
        let claimed = Atomic<Int>(0)
        queryThreads.run(threads) { thread in
          var scorer = start
          var top = CandidateHeap(capacity: depth, followerLimit: max(k, Searcher.followerLimit))
          var kBest = CandidateHeap(capacity: k, followerLimit: 0)
          while true {
            let u = claimed.wrappingAdd(1, ordering: .relaxed).oldValue
            guard u < units.count else { break }
            var log: [Candidate]? = []
            logs[u] = Result {
              try score(units[u], &scorer, &top, &kBest, &log, (thresholds, u))
              return log!
            }
          }
          ends[thread] = scorer
        }
        var scored = 0
        for thread in 0..<threads { scored += ends[thread]!.scoredPassages }
        for u in units.indices {
          for candidate in try logs[u]!.get() {
            guard scorer.admits(candidate, top, kBest) else { continue }
            if kBest.admits(candidate) { kBest.insert(candidate) }
            top.insert(candidate)
          }
        }
        scorer.addScoredPassages(scored)
      }
      return CollectedCandidates(
        candidates: top.sorted(), kthScore: kBest.floor?.score, lists: segments.indices.map { walked[$0] })
    }

    return CollectedCandidates(candidates: filtered, kthScore: kBest.floor?.score)
  }

  /// Words of the term dictionary looked at per segment for a word indexed only inside
  /// longer ones.
  static let longerWordCandidates = 64

  /// The indexed word beginning with `word` (and longer) that most passages hold; on a
  /// tie, the first in byte order.
  private func longerWord(_ word: String) throws -> String? {
    let prefix = Array(word.utf8)
    let found = try passagesByWord(beginning: prefix, limit: Searcher.longerWordCandidates).passages
    return found.filter { $0.key.count > prefix.count }.min(by: Searcher.morePassagesFirst)
      .map { String(decoding: $0.key, as: UTF8.self) }
  }

  /// The indexed words beginning with `prefix` (at most `limit` per segment, in the
  /// dictionary's order), each with the passages holding it over all segments, and whether
  /// a segment had more.
  private func passagesByWord(beginning prefix: [UInt8], limit: Int) throws -> (passages: [[UInt8]: Int], more: Bool) {
    var passages: [[UInt8]: Int] = [:]
    var more = false
    for segment in index.segments {
      let found = try segment.terms.terms(withPrefix: prefix, limit: limit)
      if found.count == limit { more = true }
      for (term, info) in found { passages[term, default: 0] += Int(info.docFreq) }
    }
    return (passages, more)
  }

  /// The word more passages hold first; on a tie, the first in byte order.
  private static func morePassagesFirst(_ a: (key: [UInt8], value: Int), _ b: (key: [UInt8], value: Int)) -> Bool {
    a.value != b.value ? a.value > b.value : a.key.lexicographicallyPrecedes(b.key)
  }

  /// Words of the term dictionary looked at per segment for a prefix (`wordsBeginning`).
  static let prefixCandidates = 4096

  /// The `limit` indexed words beginning with `prefix` that most passages hold in their
  /// body (or, `inTitle`, their title field; ties in byte order), and whether there are more
  /// (or more than `prefixCandidates` per segment were not looked at).
  private func wordsBeginning(_ prefix: String, limit: Int, inTitle: Bool) throws -> (words: [String], more: Bool) {
    let field = inTitle ? Array(Field.titlePrefix.utf8) : []
    let found = try passagesByWord(beginning: field + Array(prefix.utf8), limit: Searcher.prefixCandidates)
    let ranked = found.passages.sorted(by: Searcher.morePassagesFirst)
    return (
      ranked.prefix(limit).map { String(decoding: $0.key.dropFirst(field.count), as: UTF8.self) },
      found.more || ranked.count > limit
    )
  }

  /// An indexed word near `word`, which no passage holds (`Suggestion`).
  private func suggestion(for word: String) throws -> String? {
    let scalars = Array(word.unicodeScalars)
    guard scalars.count >= Suggestion.minimumLength else { return nil }
    let prefix = Array(String(String.UnicodeScalarView(scalars.prefix(2))).utf8)
    let found = try passagesByWord(beginning: prefix, limit: Suggestion.candidates).passages
    return Suggestion.nearest(to: word, among: found.map { (String(decoding: $0.key, as: UTF8.self), $0.value) })
  }

  /// Coverage at or above which a passage holds the whole query (rounding aside).
  static let fullCoverage = 0.999
  /// An answer is confident when the best passage carries at least this share of the
  /// query's idf and no word of the query written in letters or digits is missing from the
  /// whole index (Han bigrams are exempt: a bigram spanning two words of a sentence-like
  /// query, such as 型低 in 模型低多少, is an artifact, not a missing word). Measured on the
  /// development queries (docs/analysis.md): answerable queries' best coverage was ≥ 0.30,
  /// no-answer queries' 0.18–0.48.
  static let confidentCoverage = 0.25
}
