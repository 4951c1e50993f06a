/// What makes two passages copies of one text, for collapsing them into one hit
/// (`Searcher`): the same script, and term sets (`Analyzer.fingerprint`) that overlap by
/// `termSimilarity`, tried only for passages whose character pairs overlap by
/// `pairPrefilter` (the pairs need no analysis and compare in 64 word operations).
enum Copies {
  /// Passages whose term sets (`Analyzer.fingerprint`) overlap this much (Jaccard) and
  /// that are written in the same script (`writtenInTraditional`) are copies of one text:
  /// seed 000 repeats each paragraph as a lightly edited transcript inside <details>, and
  /// mirrored documentation repeats pages. The best-ranked copy is shown; the others become
  /// its `duplicates`.
  static let termSimilarity = 0.6

  /// Copies found by `termSimilarity` share at least 0.43 of their character pairs
  /// (seed 000's transcripts; docs/analysis.md); below this share a passage is not
  /// compared term by term.
  static let pairPrefilter = 0.3

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
  static func characterPairs(_ text: String) -> [UInt64] {
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

  /// Jaccard similarity of two `characterPairs` bit sets.
  static func pairJaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
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
}
