/// Where the query's terms occur in a passage, as [start, end) Unicode-scalar offsets of the
/// original text: the passage is analyzed again, so highlights land on the characters as
/// written (full-width, upper-case) even though matching happened on normalized terms.
enum Highlighter {
  /// The merged ranges of the `tokens` of a passage whose term is in `terms`.
  static func highlights(_ tokens: [Token], terms: Set<String>) -> [Range<Int>] {
    let ranges = tokens
      .filter { terms.contains($0.term) }
      .map { Int($0.start)..<Int($0.end) }
      .sorted { $0.lowerBound < $1.lowerBound }
    var merged: [Range<Int>] = []
    for range in ranges {
      if let last = merged.last, range.lowerBound <= last.upperBound {
        merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
      } else {
        merged.append(range)
      }
    }
    return merged
  }
}
