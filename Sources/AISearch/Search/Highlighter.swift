/// Where the query's terms occur in a passage, as [start, end) Unicode-scalar offsets of the
/// original text: the passage is analyzed again, so highlights land on the characters as
/// written (full-width, upper-case) even though matching happened on normalized terms.
enum Highlighter {
  /// The merged ranges of the tokens in `tokens` (an analysis of the passage) whose term is
  /// one of `terms` (UTF-8). Compared as bytes: a String per token, hashed into a set, was
  /// a fifth of the highlighting's instructions.
  static func highlights(_ tokens: TermList, terms: [[UInt8]]) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    tokens.bytes.withUnsafeBufferPointer { bytes in
      for entry in tokens.entries {
        let term = UnsafeBufferPointer(rebasing: bytes[Int(entry.byteStart)..<Int(entry.byteStart + entry.byteCount)])
        if terms.contains(where: { $0.count == term.count && $0.elementsEqual(term) }) {
          ranges.append(Int(entry.start)..<Int(entry.end))
        }
      }
    }
    ranges.sort { $0.lowerBound < $1.lowerBound }
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
