/// A word the index holds, offered for a query word it does not ("did you mean …"): the
/// indexed word nearest in edit distance among those sharing the query word's first two
/// characters, the one most passages hold on a tie. The first characters are trusted, as
/// Elasticsearch's term suggester does by default (`prefix_length` 1), and they let the
/// term dictionary's order bound the search: one scan from the prefix per segment.
enum Suggestion {
  /// Words shorter than this get no suggestion: at three letters nearly every word is one
  /// edit from another.
  static let minimumLength = 4
  /// Dictionary words looked at per segment.
  static let candidates = 8192

  /// Edits allowed for a word of `length` characters: one up to five, two beyond
  /// (Lucene's FuzzyQuery allows at most two, its AUTO fuzziness one for 3–5 characters).
  static func allowedEdits(_ length: Int) -> Int {
    length < minimumLength ? 0 : length <= 5 ? 1 : 2
  }

  /// Optimal string alignment distance (insertions, deletions, substitutions and swaps
  /// of neighbours), or `limit` + 1 as soon as it must exceed `limit`.
  static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
    if abs(a.count - b.count) > limit { return limit + 1 }
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      var rowBest = current[0]
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] { d = min(d, previous2[j - 2] + 1) }
        current[j] = d
        rowBest = min(rowBest, d)
      }
      if rowBest > limit { return limit + 1 }
      (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
  }

  /// The nearest of `words` (with the passages holding each) to `word`, within its
  /// allowed edits; nil when none is.
  static func nearest(to word: String, among words: [(word: String, passages: Int)]) -> String? {
    let scalars = Array(word.unicodeScalars)
    let limit = allowedEdits(scalars.count)
    guard limit > 0 else { return nil }
    var best: (word: String, edits: Int, passages: Int)? = nil
    for candidate in words where candidate.word != word {
      // At most one character more or fewer, and no word too short to be suggested: nessie
      // is not ness, nor redi (Redis, stemmed) red.
      let other = Array(candidate.word.unicodeScalars)
      guard other.count >= minimumLength, abs(other.count - scalars.count) <= 1 else { continue }
      let edits = distance(scalars, other, limit: limit)
      guard edits <= limit else { continue }
      if let current = best,
        (current.edits, -current.passages, current.word) <= (edits, -candidate.passages, candidate.word)
      {
        continue
      }
      best = (candidate.word, edits, candidate.passages)
    }
    return best?.word
  }
}
