/// A maximal run of consecutive Han characters, collected across ICU's word boundaries.
///
/// ICU's dictionary misses most names and neologisms of this corpus (华为 → 华 | 为,
/// 昇腾 → 昇 | 腾; shared/design.md), so a run is indexed as overlapping bigrams, as Lucene's
/// CJKBigramFilter does: a query word the dictionary does not know still matches its
/// characters in sequence, and 华 … 为 apart do not match 华为. A one-character run is a
/// unigram. ICU's dictionary words of three or more characters are added at the position of
/// their first character (two-character words are already bigrams).
struct HanRun {
  /// The run's characters (normalized) with their original [start, end) scalar offsets.
  var characters: [(scalar: Unicode.Scalar, start: Int32, end: Int32)] = []
  /// ICU words inside the run, as (first character index, length).
  var words: [(first: Int, length: Int)] = []

  var isEmpty: Bool { characters.isEmpty }

  mutating func removeAll() {
    characters.removeAll(keepingCapacity: true)
    words.removeAll(keepingCapacity: true)
  }

  /// Emits the run's tokens starting at `position`; returns the next free position.
  func emit(at position: Int32, into tokens: inout [Token]) -> Int32 {
    let n = characters.count
    if n == 0 { return position }
    if n == 1 {
      let c = characters[0]
      tokens.append(Token(term: String(c.scalar), position: position, start: c.start, end: c.end))
      return position + 1
    }
    for i in 0..<(n - 1) {
      var term = String(characters[i].scalar)
      term.unicodeScalars.append(characters[i + 1].scalar)
      tokens.append(
        Token(
          term: term, position: position + Int32(i), start: characters[i].start,
          end: characters[i + 1].end))
    }
    for word in words where word.length >= 3 {
      var term = ""
      for c in characters[word.first..<(word.first + word.length)] {
        term.unicodeScalars.append(c.scalar)
      }
      tokens.append(
        Token(
          term: term, position: position + Int32(word.first),
          start: characters[word.first].start,
          end: characters[word.first + word.length - 1].end))
    }
    return position + Int32(n - 1)
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
