/// A maximal run of consecutive Han characters and ICU's dictionary words inside it.
///
/// The run is indexed as ICU's words, each at the position of its first character
/// (positions count characters). Where the dictionary did not know a word, ICU leaves a
/// stretch of one-character words (华为昇腾 → 华 | 为 | 昇 | 腾; shared/design.md); such a
/// stretch is also indexed as overlapping bigrams (华为, 为昇, 昇腾), so that a query for a
/// word missing from the dictionary matches its characters in sequence, never scattered
/// (`QueryPlan` asks for the bigrams).
///
/// Measured on the development queries (docs/analysis.md) against Lucene's CJKBigramFilter
/// scheme (bigrams over whole runs): bigrams that cross dictionary-word boundaries (的发,
/// 能的) add matches no user asked for and a larger index; words plus stretch bigrams rank
/// better.
struct HanRun {
  /// The run's characters (normalized) with their original [start, end) scalar offsets.
  var characters: [(scalar: Unicode.Scalar, start: Int32, end: Int32)] = []
  /// ICU words inside the run, as (first character index, length).
  var words: [(first: Int, length: Int)] = []

  mutating func removeAll() {
    characters.removeAll(keepingCapacity: true)
    words.removeAll(keepingCapacity: true)
  }

  /// Emits the run's words and stretch bigrams starting at `position`; returns the next
  /// free position.
  func emit(at position: Int32, into terms: inout TermList) -> Int32 {
    for word in words {
      let byteStart = terms.bytes.count
      for c in characters[word.first..<(word.first + word.length)] { terms.appendUTF8(c.scalar.value) }
      terms.endTerm(
        from: byteStart, position: position + Int32(word.first), start: characters[word.first].start,
        end: characters[word.first + word.length - 1].end)
    }
    var i = 0
    while i < words.count {
      var j = i
      while j < words.count && words[j].length == 1 { j += 1 }
      if j - i >= 2 {
        for w in i..<(j - 1) {
          let a = characters[words[w].first]
          let b = characters[words[w].first + 1]
          let byteStart = terms.bytes.count
          terms.appendUTF8(a.scalar.value)
          terms.appendUTF8(b.scalar.value)
          terms.endTerm(from: byteStart, position: position + Int32(words[w].first), start: a.start, end: b.end)
        }
      }
      i = max(j, i + 1)
    }
    return position + Int32(characters.count)
  }

  /// Han script blocks: CJK Unified Ideographs, Extension A, compatibility ideographs and the
  /// supplementary-plane extensions.
  static func isHan(_ value: UInt32) -> Bool {
    switch value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0xF900...0xFAFF, 0x20000...0x2FA1F,
      0x30000...0x3134F:
      return true
    default:
      return false
    }
  }
}
