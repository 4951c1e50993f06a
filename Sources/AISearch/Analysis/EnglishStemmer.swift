/// Light English stemming: the possessive `'s` is removed, then Harman's S-stemmer reduces
/// plurals (D. Harman, "How effective is suffixing?", JASIS 42(1), 1991, as Lucene's
/// EnglishPossessiveFilter + EnglishMinimalStemFilter do):
///
///     -ies → -y   unless -eies or -aies       (queries → query)
///     -es  → -e   unless -aes, -ees or -oes   (caches → cache)
///     -s   → ""   unless -us or -ss           (chips → chip; status, class stay)
///
/// Only tokens of letters are stemmed: a token holding a digit (h100s, 910c) is a model
/// name or a number and is left alone. Heavier stemmers (Porter2) conflate words such as
/// "general"/"generate"; on passage retrieval over short texts the plural/possessive
/// reduction is the part that pays.
enum EnglishStemmer {
  /// Latin letters with apostrophes: the words the rules are written for.
  static func isStemmable(_ word: [Unicode.Scalar]) -> Bool {
    word.count >= 3
      && word.allSatisfy { ($0.value >= 0x61 && $0.value <= 0x7A) || $0 == "'" || $0 == "\u{2019}" }
  }

  static func stem(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
    var w = word
    if w.count > 2, let last = w.last, last == "s" || last == "S" {
      let apostrophe = w[w.count - 2]
      if apostrophe == "'" || apostrophe == "\u{2019}" { w.removeLast(2) }
    }
    if let last = w.last, last == "'" || last == "\u{2019}" { w.removeLast() }
    guard w.count >= 3, w.last == "s" else { return w }
    let n = w.count
    let a = w[n - 2]
    let b = w[n - 3]
    switch a {
    case "u", "s":
      return w
    case "e":
      if n > 3 && b == "i" && w[n - 4] != "a" && w[n - 4] != "e" {
        return Array(w[0..<(n - 3)]) + ["y"]
      }
      if b == "i" || b == "a" || b == "o" || b == "e" { return w }
      return Array(w[0..<(n - 1)])
    default:
      return Array(w[0..<(n - 1)])
    }
  }

  /// `isStemmable` for an ASCII word held as bytes.
  static func isStemmableASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    bytes.count >= 3 && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x27 }
  }

  /// `stem` on an ASCII word held as bytes, in place: returns the stemmed length (-ies → -y
  /// rewrites the y).
  static func stemASCII(_ w: UnsafeMutableBufferPointer<UInt8>) -> Int {
    let s: UInt8 = 0x73
    let apostrophe: UInt8 = 0x27
    var n = w.count
    if n > 2, w[n - 1] == s || w[n - 1] == 0x53, w[n - 2] == apostrophe { n -= 2 }
    if n > 0, w[n - 1] == apostrophe { n -= 1 }
    guard n >= 3, w[n - 1] == s else { return n }
    let a = w[n - 2]
    let b = w[n - 3]
    switch a {
    case 0x75, s:
      return n
    case 0x65:
      if n > 3 && b == 0x69 && w[n - 4] != 0x61 && w[n - 4] != 0x65 {
        w[n - 3] = 0x79
        return n - 2
      }
      if b == 0x69 || b == 0x61 || b == 0x6F || b == 0x65 { return n }
      return n - 1
    default:
      return n - 1
    }
  }
}
