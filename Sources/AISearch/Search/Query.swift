/// A query as the engine runs it: its terms, and its words ("chunks") with each term's
/// position inside its word, for phrase and proximity scoring.
///
/// A chunk is what the user separated by spaces: "训练成本" is one chunk of three bigrams at
/// relative positions 0, 1, 2; "ＧＰＴ－４" is one chunk gpt@0, 4@1, gpt-4@0.
struct QueryPlan {
  struct Term {
    var text: String
    /// How often the term occurs in the query.
    var count: Int
  }

  struct Chunk {
    /// (index into `terms`, position relative to the chunk's first token)
    var tokens: [(term: Int, position: Int32)]
    /// The distinct relative positions of the chunk: a phrase needs one token at each.
    var span: Int32
  }

  var terms: [Term] = []
  var chunks: [Chunk] = []

  init(_ query: String, analyzer: Analyzer) throws {
    var index: [String: Int] = [:]
    for word in query.split(whereSeparator: { $0.isWhitespace }) {
      let tokens = try analyzer.analyze(String(word))
      guard let first = tokens.map(\.position).min() else { continue }
      var chunk = Chunk(tokens: [], span: 0)
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
      chunks.append(chunk)
    }
  }
}
