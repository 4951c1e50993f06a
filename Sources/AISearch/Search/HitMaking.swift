/// Making hits of ranked candidates: reading their stored passages, collapsing copies of
/// one text into its best-ranked passage (`Copies`), and marking each hit's matches.
extension Searcher {
  /// The first k distinct texts of `ranked` (best first) as hits, each citing the copies
  /// of it found among the candidates read; the candidates after the k-th hit that share a
  /// hit's copy signature are read too, to cite them.
  func makeHits(
    _ ranked: [Candidate], plan: QueryPlan, k: Int, explain: Bool, scorer: PassageScorer, pool: PositionPool
  ) throws -> [Hit] {
    var hits: [Hit] = []
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
    var hitPairs: [[UInt64]] = []
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
    func collect() throws {
      for (rank, entry) in ranked.enumerated() {
        if hits.count == k {
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
        if let h = hits.firstIndex(where: { $0.text == passage.text }) {
          let document = try store.document(passage.document)
          hits[h].duplicates.append(
            Hit.Citation(path: document.path, lineStart: passage.lineStart, lineEnd: passage.lineEnd))
          continue
        }
        // A passage sharing few character pairs with every hit so far cannot be a copy; once
        // k hits are found, such a passage is passed over without computing its term set.
        // A copy is written in its hit's script. Only hits are analyzed with ICU (for their
        // highlights).
        let pairs = fetched?.pairs ?? Copies.characterPairs(passage.text)
        let traditional = fetched?.traditional ?? Copies.writtenInTraditional(passage.text, folding: folding)
        let similar = hitPairs.indices.filter {
          hitTraditional[$0] == traditional
            && Copies.pairJaccard(hitPairs[$0], pairs) >= Copies.pairPrefilter
        }
        if similar.isEmpty && hits.count == k { continue }
        var terms: [UInt64]? = nil
        if !similar.isEmpty {
          let mine = try analyzer.fingerprint(passage.text)
          terms = mine
          var original: Int? = nil
          for h in similar {
            if hitTerms[h] == nil { hitTerms[h] = try analyzer.fingerprint(hits[h].text) }
            if Copies.jaccard(hitTerms[h]!, mine) >= Copies.termSimilarity {
              original = h
              break
            }
          }
          if let original {
            let document = try store.document(passage.document)
            hits[original].duplicates.append(
              Hit.Citation(path: document.path, lineStart: passage.lineStart, lineEnd: passage.lineEnd))
            continue
          }
        }
        if hits.count == k { continue }
        let document = try store.document(passage.document)
        hitTerms.append(terms)
        hitPairs.append(pairs)
        hitTraditional.append(traditional)
        hitSignatures.append(entry.signature)
        try analyzer.analyzeTerms(passage.text, dictionaryRuns: .containing(highlightedRuns))
        let highlights = Highlighter.highlights(analyzer.terms, terms: termBytes)
        hits.append(
          Hit(
            rank: hits.count + 1, score: entry.score, path: document.path, lineStart: passage.lineStart,
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
        do { try collect() } catch { failure = error }
        readAhead.finish()
      }
      if let failure { throw failure }
    } else {
      try collect()
    }
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
