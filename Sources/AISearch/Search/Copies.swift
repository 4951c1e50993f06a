/// What makes two passages copies of one text, for collapsing them into one hit
/// (`Searcher`): the same script, and term sets (`Analyzer.fingerprint`) that overlap by
/// `termSimilarity`, tried only for passages whose character pairs overlap by
/// `pairPrefilter` (the pairs need no analysis and compare in 64 word operations).
enum Copies {
  /// Passages whose term sets (`Analyzer.fingerprint`) overlap this much (Jaccard) and
  /// that are written in the same script (`Sketch.traditional`) are copies of one text:
  /// seed 000 repeats each paragraph as a lightly edited transcript inside <details>, and
  /// mirrored documentation repeats pages. The best-ranked copy is shown; the others become
  /// its `duplicates`.
  static let termSimilarity = 0.6

  /// Copies found by `termSimilarity` share at least 0.43 of their character pairs
  /// (seed 000's transcripts; docs/analysis.md); below this share a passage is not
  /// compared term by term.
  static let pairPrefilter = 0.3

  /// What the copy test reads of every passage, in one pass over its UTF-8 bytes (two
  /// passes took a tenth of making a query's hits):
  ///
  /// - `pairs`: its pairs of adjacent non-space characters (ASCII lower-cased), hashed into
  ///   a 4096-bit set: a fingerprint that needs no analysis and compares in 64 word
  ///   operations (hash collisions only raise the estimate, which is safe for a prefilter);
  /// - `traditional`: whether it is written in Traditional Chinese: at least 2 of its Han
  ///   characters from U+3000 to U+9FFF, and 1 in 20, are ones `folding` changes. Folded, a
  ///   zh_TW page and its zh_CN twin hold the same terms, but they are read by different
  ///   readers and neither is a copy of the other: each is a hit of its own (the development
  ///   queries count them as separate evidence: R@10 0.771 → 0.875 when they stopped being
  ///   collapsed into one).
  struct Sketch {
    var pairs: [UInt64]
    var traditional: Bool
  }

  static func sketch(_ text: String, folding: HanFolding) -> Sketch {
    var text = text
    var han = 0
    var traditional = 0
    let pairs = text.withUTF8 { utf8 in
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
          if value >= 0x3000 && value <= 0x9FFF && HanRun.isHan(value) {
            han += 1
            if folding.fold(UInt16(value)) != UInt16(value) { traditional += 1 }
          }
          if previous != 0 {
            let hash = (UInt64(previous) << 21 | UInt64(value)) &* 0x9E37_79B9_7F4A_7C15
            let bit = Int(hash >> 52)
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
          }
          previous = value
        }
      }
    }
    return Sketch(pairs: pairs, traditional: traditional >= 2 && traditional * 20 >= han)
  }

  /// Jaccard similarity of two `Sketch.pairs` bit sets.
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
