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
  public private(set) var fetchedPassages = 0
  var proximity = Proximity()
  var listPagePrior = ListPagePrior()
  private let analyzer: Analyzer
  private let queryThreads = QueryThreads()

  public init(index: IndexReader) throws {
    self.index = index
    analyzer = try Analyzer(folding: index.manifest.folding)
  }

  /// Distinct copy signatures whose passages are re-ranked with positions (with their
  /// probable copies: `CandidateHeap`), at least k. Counting signatures,
  /// not passages, the development queries score the same at 10, 20, 40 and 100, and 10
  /// gives more distinct hits than 100 passages did (docs/analysis.md).
  var rerankDepth = 10

  /// Threads a query runs on: they take its segments in order, each the next one not yet
  /// taken (one thread scores every segment where the index has one segment with postings
  /// of the query or the query's lists are short: `parallelScoringPostings`), and with two
  /// or more the hits' passages are read ahead (`PassageReadAhead`).
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

  /// Probable copies of a candidate kept beside it (to be cited, or shown when their text
  /// turns out not to be a copy), at least k.
  static let followerLimit = 32

  /// The top `k` passages for `query` (in the query language of `ParsedQuery`), best first,
  /// and whether any of them is a confident answer; no hits when nothing matches.
  public func search(_ query: String, k: Int, explain: Bool = false) throws -> SearchResult {
    try search(query, k: k, explain: explain, anchoring: true)
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
      parsed, analyzer: analyzer, indexed: { try infos($0).contains { $0 != nil } }, longerWord: longerWord)
    var result = SearchResult(hits: [], confident: false, notes: plan.notes)
    if !parsed.hasPositiveItems && plan.filters.isEmpty {
      result.notes.append(
        parsed.clauses.isEmpty
          ? "the query has nothing to search for" : "the query has nothing to search for (only exclusions)")
    } else if parsed.hasPositiveItems && plan.chunks.isEmpty {
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
      if df == 0, let first = term.text.unicodeScalars.first, !HanRun.isHan(first.value) { missingWord = true }
    }
    let anchors =
      anchoring
      ? Searcher.anchorTerms(
        plan, idf: idf, documentFrequencies: frequencies, passages: index.storedPassageCount, commonShare: commonTermShare) : 0
    anchorTermCount = anchors.nonzeroBitCount
    stretchCount = plan.stretches.count
    if explain && anchors != 0 {
      let common = plan.terms.indices.filter { anchors & (1 << UInt64($0)) == 0 && frequencies[$0] > 0 }
      result.notes.append(
        "common words (\(common.map { plan.terms[$0].text }.joined(separator: ", "))) count only in passages holding a rarer word of the query")
    }
    var scorer = try PassageScorer(
      plan: plan, idf: idf, bm25: bm25, listPagePrior: listPagePrior, index: index, anchors: anchors)
    scorer.dynamicPruning = dynamicPruning
    scorer.liftLimit = proximity.maximumFactor
    // The k-th best score among distinct signatures: counting copies would raise it to
    // the best copy's score and prune the distinct passages the hits are made of.
    var kBest = CandidateHeap(capacity: k, followerLimit: 0)
    let depth = max(k, rerankDepth)
    // A follower is dropped only below k others of its signature: as a heap of k
    // passages would have dropped it.
    var top = CandidateHeap(capacity: depth, followerLimit: max(k, Searcher.followerLimit))
    var pool = PositionPool()
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
      func score(
        _ s: Int, _ scorer: inout PassageScorer, _ top: inout CandidateHeap, _ kBest: inout CandidateHeap,
        _ pool: inout PositionPool, _ admitted: inout [Candidate]?, _ thresholds: (shared: SharedThresholds, order: Int)? = nil
      ) throws {
        let segment = segments[s]
        func lists(_ body: TermDictionary.Info?, _ title: TermDictionary.Info?) throws -> [PostingList] {
          [try PostingList(body.map { try segment.cursor($0) }), try PostingList(title.map { try segment.cursor($0) })]
        }
        let termLists = try entries.flatMap { try lists($0.body[s], $0.title[s]) }
        let exclusionLists = try excluded.map { tokens in try tokens.flatMap { try lists($0.body?[s], $0.title[s]) } }
        let allowed = try Filters.allowed(filters, in: segment)
        try scorer.scoreSegment(
          s, segment, lists: termLists, exclusions: exclusionLists, allowed: allowed, into: &top, best: &kBest,
          positions: &pool, admitted: &admitted, thresholds: thresholds)
      }
      let postings = segments.indices.map { s in
        entries.reduce(0) { $0 + Int($1.body[s]?.docFreq ?? 0) + Int($1.title[s]?.docFreq ?? 0) }
      }
      var noLog: [Candidate]? = nil
      if !Searcher.scoresInParallel(postings: postings, threads: threadCount, minimum: parallelScoringPostings) {
        sharedSegmentCount = 0
        for s in segments.indices { try score(s, &scorer, &top, &kBest, &pool, &noLog) }
      } else {
        // The threads take the segments in order, each the next one not yet taken, and
        // score them with heaps of their own, logging per segment every candidate they
        // admit. Replayed segment by segment into one pair of heaps, the logs make the heaps
        // one thread would have made: the same hits and citations, exactly. (A heap's
        // contents alone are not enough: which followers it keeps depends on the order
        // candidates came in.) A thread's heaps have seen some of the segments before the
        // one it scores, so they prune with a threshold no higher than one thread's would
        // be there; so does the highest threshold reached in the segments before it, which
        // it also prunes with. Two fixed ranges of segments, one per thread, left one thread
        // idle while the other finished, and scored 1.4% more passages.
        let units = segments.indices.filter { postings[$0] > 0 }
        sharedSegmentCount = units.count
        let threads = min(threadCount, units.count)
        // Per segment its log and the thread that scored it; per thread its scorer and the
        // positions its logged candidates point into.
        let logs = UnsafeMutableBufferPointer<Result<(log: [Candidate], thread: Int), Error>?>.allocate(capacity: units.count)
        logs.initialize(repeating: nil)
        defer { logs.deinitialize(); logs.deallocate() }
        let ends = UnsafeMutableBufferPointer<(scorer: PassageScorer, pool: PositionPool)?>.allocate(capacity: threads)
        ends.initialize(repeating: nil)
        defer { ends.deinitialize(); ends.deallocate() }
        let start = scorer
        let thresholds = SharedThresholds(segments: units.count)
        let claimed = Atomic<Int>(0)
        queryThreads.run(threads) { thread in
          var scorer = start
          var top = CandidateHeap(capacity: depth, followerLimit: max(k, Searcher.followerLimit))
          var kBest = CandidateHeap(capacity: k, followerLimit: 0)
          var pool = PositionPool()
          while true {
            let u = claimed.wrappingAdd(1, ordering: .relaxed).oldValue
            guard u < units.count else { break }
            var log: [Candidate]? = []
            logs[u] = Result {
              try score(units[u], &scorer, &top, &kBest, &pool, &log, (thresholds, u))
              return (log!, thread)
            }
          }
          ends[thread] = (scorer, pool)
        }
        var scored = 0
        for end in ends { scored += end!.scorer.scoredPassages }
        for entry in logs {
          let (log, thread) = try entry!.get()
          let partPool = ends[thread]!.pool
          for var candidate in log {
            guard scorer.admits(candidate, top, kBest) else { continue }
            if kBest.admits(candidate) { kBest.insert(candidate) }
            if candidate.slot >= 0 {
              candidate.slot = pool.store(body: partPool.body[candidate.slot], title: partPool.title[candidate.slot])
            }
            top.insert(candidate) { if $0.slot >= 0 { pool.release($0.slot) } }
          }
        }
        scorer.addScoredPassages(scored)
      }
    }

    scoredPassages = scorer.scoredPassages
    var candidates = plan.chunks.isEmpty ? filtered : top.sorted()
    // Only passages that re-ranking could lift into the top k are re-ranked.
    if let liftLimit = scorer.liftLimit, let kth = kBest.floor {
      candidates.removeAll { $0.score * liftLimit < kth.score }
    }
    for i in candidates.indices {
      guard candidates[i].slot >= 0 else { continue }
      let body = pool.body[candidates[i].slot]
      let features = proximity.features(plan, positions: body, idf: idf)
      candidates[i].phrase = features.phrase
      candidates[i].closeness = features.closeness
      candidates[i].score *= proximity.factor(phrase: features.phrase, closeness: features.closeness)
    }
    if !plan.chunks.isEmpty { candidates.removeAll { $0.score <= 0 } }
    if candidates.isEmpty && anchors != 0 {
      // No passage holding a rarer word passed the query's exclusions and filters: the
      // common words' passages are better than nothing.
      return try search(query, k: k, explain: explain, anchoring: false)
    }
    let ranked = candidates.sorted(by: Candidate.ranksBefore)
    rankingDuration = ContinuousClock.now - started
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
    // A hit's term set is computed only once a later passage is similar enough to need it.
    var hitTerms: [[UInt64]?] = []
    var hitShingles: [[UInt64]] = []
    var hitTraditional: [Bool] = []
    let folding = index.manifest.folding
    // Once k hits are found, the next few candidates are still looked at, to cite copies of
    // them; only those sharing a hit's copy signature are read (on the large tier, the
    // others were half the passages a query read, and a tenth of its time).
    var lookahead = 2 * k
    var hitSignatures: [UInt16] = []
    // With a second core, a helper thread reads the candidates' passages ahead of this loop.
    let readAhead =
      threadCount > 1 && ranked.count > 1
      ? try PassageReadAhead(ranked.map { (index.segments[$0.segment].store, Int($0.doc)) }, folding: folding) : nil
    func makeHits() throws {
      for (rank, entry) in ranked.enumerated() {
        if result.hits.count == k {
          if lookahead == 0 { break }
          lookahead -= 1
          if !hitSignatures.contains(entry.signature) { continue }
        }
        let store = index.segments[entry.segment].store
        let fetched = try readAhead?.passage(rank)
        let passage = try fetched?.passage ?? store.passage(Int(entry.doc))
        fetchedPassages += 1
        // A passage with the text of a hit is cited at once: the comparisons below would
        // make it a copy of that hit and no other, as the hits are not copies of each other.
        if let h = result.hits.firstIndex(where: { $0.text == passage.text }) {
          let document = try store.document(passage.document)
          result.hits[h].duplicates.append(
            Hit.Citation(path: document.path, lineStart: passage.lineStart, lineEnd: passage.lineEnd))
          continue
        }
        // A passage sharing few character pairs with every hit so far cannot be a copy; once
        // k hits are found, such a passage is passed over without computing its term set.
        // A copy is written in its hit's script. Only hits are analyzed with ICU (for their
        // highlights).
        let shingles = fetched?.shingles ?? Searcher.shingles(passage.text)
        let traditional = fetched?.traditional ?? Searcher.writtenInTraditional(passage.text, folding: folding)
        let similar = hitShingles.indices.filter {
          hitTraditional[$0] == traditional
            && Searcher.bitJaccard(hitShingles[$0], shingles) >= Searcher.duplicatePrefilter
        }
        if similar.isEmpty && result.hits.count == k { continue }
        var terms: [UInt64]? = nil
        if !similar.isEmpty {
          let mine = try analyzer.fingerprint(passage.text)
          terms = mine
          var original: Int? = nil
          for h in similar {
            if hitTerms[h] == nil { hitTerms[h] = try analyzer.fingerprint(result.hits[h].text) }
            if Searcher.jaccard(hitTerms[h]!, mine) >= Searcher.duplicateSimilarity {
              original = h
              break
            }
          }
          if let original {
            let document = try store.document(passage.document)
            result.hits[original].duplicates.append(
              Hit.Citation(path: document.path, lineStart: passage.lineStart, lineEnd: passage.lineEnd))
            continue
          }
        }
        if result.hits.count == k { continue }
        let document = try store.document(passage.document)
        hitTerms.append(terms)
        hitShingles.append(shingles)
        hitTraditional.append(traditional)
        hitSignatures.append(entry.signature)
        try analyzer.analyzeTerms(passage.text, dictionaryRuns: .containing(highlightedRuns))
        let highlights = Highlighter.highlights(analyzer.terms, terms: termBytes)
        result.hits.append(
          Hit(
            rank: result.hits.count + 1, score: entry.score, path: document.path, lineStart: passage.lineStart,
            lineEnd: passage.lineEnd, title: document.title, url: document.url, date: document.date,
            text: passage.text, highlights: highlights,
            match: entry.coverage >= Searcher.fullCoverage ? .full : .partial,
            snippet: Snippet.best(passage.text, highlights: highlights),
            explanation: explain ? explanation(entry, scorer: scorer, pool: pool) : nil))
      }
    }
    if let readAhead {
      var failure: Error? = nil
      queryThreads.run(2) { thread in
        if thread == 1 { return readAhead.readAhead() }
        do { try makeHits() } catch { failure = error }
        readAhead.finish()
      }
      if let failure { throw failure }
    } else {
      try makeHits()
    }
    result.confident = !missingWord && (ranked.first.map { $0.coverage >= Searcher.confidentCoverage } ?? false)
    return result
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
    var total = 0.0
    for (t, term) in plan.terms.enumerated() {
      let tf = entry.slot < 0 ? 0 : pool.body[entry.slot][t].count
      let titleTF = entry.slot < 0 ? 0 : pool.title[entry.slot][t].count
      let score = Double(term.count) * bm25.score(
        body: FieldStatistics(tf: tf, length: length, averageLength: scorer.averageBody),
        title: FieldStatistics(tf: titleTF, length: titleLength, averageLength: scorer.averageTitle), idf: idf[t])
      total += score
      terms.append(.init(term: term.text, idf: idf[t], tf: tf, length: length, titleTF: titleTF, titleLength: titleLength, score: score))
    }
    let factor = proximity.factor(phrase: entry.phrase, closeness: entry.closeness)
    return Hit.Explanation(
      bm25: total, coverage: entry.coverage, listPage: scorer.listPageFactors[Int(segment.lengths.listShare(Int(entry.doc)))],
      phrase: entry.phrase, closeness: entry.closeness, proximity: factor, parameters: bm25, terms: terms)
  }

  /// Passages whose term sets (`Analyzer.fingerprint`) overlap this much (Jaccard) and
  /// that are written in the same script (`writtenInTraditional`) are copies of one text:
  /// seed 000 repeats each paragraph as a lightly edited transcript inside <details>, and
  /// mirrored documentation repeats pages. The best-ranked copy is shown; the others become
  /// its `duplicates`.
  static let duplicateSimilarity = 0.6

  /// Copies found by `duplicateSimilarity` share at least 0.43 of their character pairs
  /// (seed 000's transcripts; docs/analysis.md); below this share a passage is not
  /// compared term by term.
  static let duplicatePrefilter = 0.3

  /// Whether a text is written in Traditional Chinese: at least 2 of its Han characters, and
  /// 1 in 20, are ones `folding` changes. Folded, a zh_TW page and its zh_CN twin hold the
  /// same terms, but they are read by different readers and neither is a copy of the other:
  /// each is a hit of its own (the development queries count them as separate evidence:
  /// R@10 0.771 → 0.875 when they stopped being collapsed into one). Read on UTF-8 bytes:
  /// the folded ranges are three-byte sequences.
  static func writtenInTraditional(_ text: String, folding: HanFolding) -> Bool {
    var text = text
    return text.withUTF8 { utf8 in
      var han = 0
      var traditional = 0
      var i = 0
      while i < utf8.count {
        let lead = utf8[i]
        guard lead >= 0xE3 && lead <= 0xE9 else {
          i += UTF8Scalars.length(lead: lead)
          continue
        }
        // U+3000–U+9FFF, three bytes (the text is valid UTF-8).
        let unit = UInt16(lead & 0x0F) << 12 | UInt16(utf8[i + 1] & 0x3F) << 6 | UInt16(utf8[i + 2] & 0x3F)
        i += 3
        guard HanRun.isHan(UInt32(unit)) else { continue }
        han += 1
        if folding.fold(unit) != unit { traditional += 1 }
      }
      return traditional >= 2 && traditional * 20 >= han
    }
  }

  /// A text's pairs of adjacent non-space characters (ASCII lower-cased), hashed into a
  /// 4096-bit set: a fingerprint that needs no analysis and compares in 64 word operations
  /// (hash collisions only raise the estimate, which is safe for a prefilter).
  static func shingles(_ text: String) -> [UInt64] {
    var text = text
    return text.withUTF8 { utf8 in
      [UInt64](unsafeUninitializedCapacity: 64) { bits, count in
        bits.initialize(repeating: 0)
        count = 64
        // Scalars decoded from the (valid) UTF-8 bytes: iterating `unicodeScalars` took
        // three times as long.
        var previous: UInt32 = 0
        var i = 0
        while i < utf8.count {
          let scalar = UTF8Scalars.decode(utf8, at: i)
          var value = scalar.value
          i += scalar.length
          if value == 0x20 || value == 0x0A || value == 0x09 || value == 0x0D || value == 0x3000 { continue }
          if value >= 0x41 && value <= 0x5A { value += 0x20 }
          if previous != 0 {
            let hash = (UInt64(previous) << 21 | UInt64(value)) &* 0x9E37_79B9_7F4A_7C15
            let bit = Int(hash >> 52)
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
          }
          previous = value
        }
      }
    }
  }

  /// Jaccard similarity of two `shingles` bit sets.
  static func bitJaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
    var shared = 0
    var union = 0
    for i in 0..<64 {
      shared += (a[i] & b[i]).nonzeroBitCount
      union += (a[i] | b[i]).nonzeroBitCount
    }
    return union > 0 ? Double(shared) / Double(union) : 0
  }

  /// Jaccard similarity of two sorted, distinct integer sets.
  static func jaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
    var i = 0
    var j = 0
    var shared = 0
    while i < a.count && j < b.count {
      if a[i] == b[j] {
        shared += 1
        i += 1
        j += 1
      } else if a[i] < b[j] {
        i += 1
      } else {
        j += 1
      }
    }
    let union = a.count + b.count - shared
    return union > 0 ? Double(shared) / Double(union) : 0
  }

  /// Words of the term dictionary looked at per segment for a word indexed only inside
  /// longer ones.
  static let longerWordCandidates = 64

  /// The indexed word beginning with `word` (and longer) that most passages hold; on a
  /// tie, the first in byte order.
  private func longerWord(_ word: String) throws -> String? {
    let prefix = Array(word.utf8)
    var passages: [[UInt8]: Int] = [:]
    for segment in index.segments {
      for (term, info) in try segment.terms.terms(withPrefix: prefix, limit: Searcher.longerWordCandidates)
      where term.count > prefix.count {
        passages[term, default: 0] += Int(info.docFreq)
      }
    }
    let best = passages.min { a, b in a.value != b.value ? a.value > b.value : a.key.lexicographicallyPrecedes(b.key) }
    return best.map { String(decoding: $0.key, as: UTF8.self) }
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
