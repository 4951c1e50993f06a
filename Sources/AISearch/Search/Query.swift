/// A query as the engine runs it: its terms, and its words ("chunks") with each term's
/// position inside its word, for phrase and proximity scoring.
///
/// A chunk is what the user separated by spaces: "训练成本" is one chunk, 训练@0 成本@2
/// (positions count Han characters); "ＧＰＴ－４" is one chunk gpt@0, 4@1, gpt-4@0.
///
/// A word ICU's dictionary does not know comes out as a stretch of single characters plus
/// their bigrams (昇腾 → 昇@0 腾@1 昇腾@0). The plan asks for the bigrams, which only match
/// the characters side by side; a bigram the index has never seen (补零, where the text says
/// 填充零) is replaced by its characters, which then form a `stretch`: scattered, they earn
/// only part of their weight (`PassageScorer.scatteredStretchCredit`).
struct QueryPlan {
  struct Term {
    var text: String
    /// How often the term occurs in the query.
    var count: Int
  }

  /// One word or phrase of the query, analyzed.
  struct Chunk {
    /// (index into `terms`, position relative to the chunk's first token)
    var tokens: [(term: Int, position: Int32)]
    /// The distinct relative positions of the chunk: a phrase needs one token at each.
    var span: Int32
    /// A quoted phrase: its tokens must stand side by side.
    var isPhrase: Bool
    /// Matched in the title field only (title:…).
    var inTitle: Bool
  }

  /// Chunks joined by OR; `must` clauses filter, `should` clauses only rank.
  struct Clause {
    var alternatives: [Int]
    var isRequired: Bool
    /// The alternatives are the indexed words a prefix stands for (`instal*`): holding any
    /// of them covers the clause, which weighs what its most frequent word does. (Between
    /// words the user wrote, OR credits each by its own idf.)
    var isExpansion = false
  }

  /// An excluded word or phrase: its terms (not scored) with relative positions.
  struct Exclusion {
    var tokens: [(text: String, position: Int32)]
    var inTitle: Bool
  }

  var terms: [Term] = []
  var chunks: [Chunk] = []
  var clauses: [Clause] = []
  var exclusions: [Exclusion] = []
  var filters: [ParsedQuery.FilterGroup] = []
  /// Runs of single Han characters: (term, relative position) with consecutive positions.
  var stretches: [[(term: Int, position: Int32)]] = []
  var notes: [String] = []
  /// Prefixes (`instal*`) no indexed word begins with (each has its note).
  var unmatchedPrefixes = 0
  /// Each prefix as written and the indexed words it stands for (for `--explain`).
  var expandedPrefixes: [(prefix: String, words: [String])] = []

  /// Per term, the prefix (`Clause.isExpansion`) it is one of the words of, or -1: a
  /// passage's words of one prefix score what the best of them scores, not their sum (the
  /// dismax of Lucene's DisjunctionMaxQuery), or a passage naming configure-request,
  /// configure-naks and configure-rejects outranked every one holding configure and the
  /// query's other words. A term the query also holds elsewhere is summed as usual. A
  /// group's terms come after every term of the groups before it (`PassageScorer.sum`).
  func expansionGroups() -> [Int] {
    var group = [Int](repeating: -1, count: terms.count)
    for (g, clause) in clauses.enumerated() where clause.isExpansion {
      for alternative in clause.alternatives {
        for token in chunks[alternative].tokens where terms[token.term].count == 1 { group[token.term] = g }
      }
    }
    return group
  }

  /// Most distinct terms a query scores (Lucene's default clause limit is 1024; a query
  /// this long is a pasted paragraph, and its first words carry it).
  static let maxTerms = 64

  /// Most indexed words a prefix stands for: the most frequent (Elasticsearch's
  /// `max_expansions` is 50 for its prefix queries; here every word is a posting list the
  /// walk reads, and a query holds at most `maxTerms`).
  static let maxExpansions = 16

  /// Plans `query`; `indexed(term)` tells whether the index holds a term,
  /// `longerWord(word)` names the indexed word most passages hold that begins with it, and
  /// `expand(prefix, n, inTitle)` the n indexed words (of titles, or of bodies) most passages
  /// hold that begin with the prefix (and whether there are more).
  init(
    _ query: ParsedQuery, analyzer: Analyzer, indexed: (String) throws -> Bool,
    longerWord: (String) throws -> String? = { _ in nil },
    expand: (String, Int, Bool) throws -> (words: [String], more: Bool) = { _, _, _ in ([], false) }
  ) throws {
    notes = query.notes
    filters = query.filters
    var index: [String: Int] = [:]
    var truncated = false
    // Question words are dropped from unquoted words when the query holds anything else:
    // an answer to 暂停几分钟 or 是多少 does not say 几 or 多少.
    let analyzed = try query.clauses.map { clause in try clause.alternatives.map { try analyzer.analyze($0.text) } }
    let dropsQuestionWords = zip(query.clauses, analyzed).contains { clause, items in
      clause.occur != .mustNot && items.joined().contains { !QueryPlan.questionWords.contains($0.term) }
    }
    // A prefix's words, each a token of its own, in place of its analysis.
    var expansions: [[Int: [Token]]] = Array(repeating: [:], count: query.clauses.count)
    for (c, clause) in query.clauses.enumerated() {
      for (i, item) in clause.alternatives.enumerated() where item.isPrefix {
        guard let prefix = try QueryPlan.prefixTerm(item.text, analyzer: analyzer) else {
          notes.append("\(item.text)* is more than one word, so it was searched as words")
          continue
        }
        let found = try expand(prefix, QueryPlan.maxExpansions, item.inTitle)
        if found.words.isEmpty {
          unmatchedPrefixes += 1
          notes.append("no indexed word begins with \(prefix)")
        } else if found.more {
          notes.append(
            "\(item.text)* stands for more than \(QueryPlan.maxExpansions) indexed words; the \(QueryPlan.maxExpansions) most frequent were searched")
        }
        expansions[c][i] = found.words.map { Token(term: $0, position: 0, start: 0, end: 0) }
        if !found.words.isEmpty { expandedPrefixes.append((item.text, found.words)) }
      }
    }
    for (c, clause) in query.clauses.enumerated() {
      if clause.occur == .mustNot {
        for (i, item) in clause.alternatives.enumerated() {
          if let words = expansions[c][i] {
            for word in words { exclusions.append(Exclusion(tokens: [(word.term, 0)], inTitle: item.inTitle)) }
            continue
          }
          let tokens = try QueryPlan.preferBigrams(analyzed[c][i], indexed: indexed)
          guard let first = tokens.map(\.position).min() else { continue }
          exclusions.append(Exclusion(tokens: tokens.map { ($0.term, $0.position - first) }, inTitle: item.inTitle))
        }
        continue
      }
      var alternatives: [Int] = []
      // Each word of a prefix is an alternative of its own.
      var items: [(item: ParsedQuery.Item, tokens: [Token])] = []
      for (i, item) in clause.alternatives.enumerated() {
        if let words = expansions[c][i] {
          items += words.map { (item, [$0]) }
        } else {
          items.append((item, analyzed[c][i]))
        }
      }
      for (item, tokens) in items {
        var analyzedItem = tokens
        if dropsQuestionWords && !item.isPhrase { analyzedItem.removeAll { QueryPlan.questionWords.contains($0.term) } }
        var tokens = try QueryPlan.preferBigrams(analyzedItem, indexed: indexed)
        for i in tokens.indices where QueryPlan.isHanWord(tokens[i]) {
          guard try !indexed(tokens[i].term), let longer = try longerWord(tokens[i].term) else { continue }
          notes.append("\(tokens[i].term) is indexed only inside longer words; searched as \(longer)")
          tokens[i].term = longer
        }
        guard let first = tokens.map(\.position).min() else { continue }
        let newTerms = Set(tokens.map(\.term)).filter { index[$0] == nil }.count
        if terms.count + newTerms > QueryPlan.maxTerms {
          truncated = true
          continue
        }
        var chunk = Chunk(tokens: [], span: 0, isPhrase: item.isPhrase, inTitle: item.inTitle)
        for token in tokens {
          let termIndex: Int
          if let known = index[token.term] {
            termIndex = known
            terms[known].count += 1
          } else {
            termIndex = terms.count
            index[token.term] = termIndex
            terms.append(Term(text: token.term, count: 1))
          }
          chunk.tokens.append((termIndex, token.position - first))
          chunk.span = max(chunk.span, token.position - first + 1)
        }
        alternatives.append(chunks.count)
        chunks.append(chunk)
        stretches += QueryPlan.stretches(tokens.map { (index[$0.term]!, $0) })
      }
      if !alternatives.isEmpty {
        clauses.append(
          Clause(
            alternatives: alternatives, isRequired: clause.occur == .must,
            isExpansion: clause.alternatives.count == 1 && expansions[c][0] != nil))
      }
    }
    if truncated { notes.append("only the first \(QueryPlan.maxTerms) distinct terms of the query were used") }
  }

  /// The indexed form of a prefix: ASCII as it is, lower-cased (not stemmed: ins* is not
  /// in*); other text as the analyzer folds it (full-width, case, Traditional Chinese), when
  /// it reads as one word; nil when it reads as several.
  static func prefixTerm(_ text: String, analyzer: Analyzer) throws -> String? {
    // The dictionary holds dpkg-query and dh_installdocs whole (and their parts), so
    // dpkg-* is looked up as written.
    if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.lowercased() }
    let tokens = try analyzer.analyze(text)
    return tokens.count == 1 ? tokens[0].term : nil
  }

  /// Chinese interrogative words and question particles (after folding, so 為什麼 and
  /// 怎麼 are here as 为什么 and 怎么). English ones are left alone: who, what and when
  /// are also command and option names.
  static let questionWords: Set<String> = [
    "如何", "怎么", "怎样", "怎么样", "怎么办", "什么", "为什么", "为何", "哪", "哪里", "哪儿", "哪些", "哪个",
    "几", "多少", "多大", "多久", "多长", "是否", "吗", "呢",
  ]

  /// The clause weights: per chunk, the idf its tokens carry (a term counted once per
  /// token); per clause, its heaviest alternative. Coverage is the share of the clauses'
  /// total weight a passage holds.
  func chunkWeights(idf: [Double]) -> [Double] {
    chunks.map { $0.tokens.reduce(0.0) { $0 + idf[$1.term] } }
  }

  /// Keeps a stretch's bigrams that the index holds, drops the single characters they
  /// cover, and drops the bigrams it does not hold.
  static func preferBigrams(_ tokens: [Token], indexed: (String) throws -> Bool) throws -> [Token] {
    // Arrays, not sets: see `Proximity.sortedDistinct`.
    let singlePositions = tokens.filter(isSingleHan).map(\.position)
    var covered: [Int32] = []
    var dropped: [Int] = []
    for (i, token) in tokens.enumerated() {
      let scalars = token.term.unicodeScalars
      guard scalars.count == 2, scalars.allSatisfy({ HanRun.isHan($0.value) }),
        singlePositions.contains(token.position), singlePositions.contains(token.position + 1)
      else { continue }
      if try indexed(token.term) {
        covered.append(token.position)
        covered.append(token.position + 1)
      } else {
        dropped.append(i)
      }
    }
    return tokens.enumerated().filter { i, token in
      !dropped.contains(i) && !(isSingleHan(token) && covered.contains(token.position))
    }.map(\.element)
  }

  /// A dictionary word of two or more Han characters. ICU segments by context, so a word
  /// the query holds alone may stand in the text only inside a longer one (停留 in
  /// 停留在…): with no passage holding it, the plan searches the longer word most passages
  /// hold instead of finding nothing (a prefix query, from the term dictionary's order).
  private static func isHanWord(_ token: Token) -> Bool {
    let scalars = token.term.unicodeScalars
    return scalars.count >= 2 && scalars.allSatisfy { HanRun.isHan($0.value) }
  }

  /// A token that is one Han character (what ICU leaves of a word it does not know).
  private static func isSingleHan(_ token: Token) -> Bool {
    let scalars = token.term.unicodeScalars
    return scalars.count == 1 && HanRun.isHan(scalars.first!.value)
  }

  private static func stretches(_ tokens: [(term: Int, token: Token)]) -> [[(term: Int, position: Int32)]] {
    let singles = tokens.filter { isSingleHan($0.token) }.sorted { $0.token.position < $1.token.position }
    var result: [[(term: Int, position: Int32)]] = []
    var current: [(term: Int, position: Int32)] = []
    for entry in singles {
      if let last = current.last, entry.token.position != last.position + 1 {
        if current.count >= 2 { result.append(current) }
        current = []
      }
      current.append((entry.term, entry.token.position))
    }
    if current.count >= 2 { result.append(current) }
    return result
  }
}
