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
    let (length, endsInY) = stemmedLength(word.count) { word[$0].value }
    var stemmed = Array(word[0..<length])
    if endsInY { stemmed[length - 1] = "y" }
    return stemmed
  }

  /// `isStemmable` for an ASCII word held as bytes.
  static func isStemmableASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    bytes.count >= 3 && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x27 }
  }

  /// `stem` on an ASCII word held as bytes, in place: returns the stemmed length (-ies → -y
  /// rewrites the y).
  static func stemASCII(_ w: UnsafeMutableBufferPointer<UInt8>) -> Int {
    let (length, endsInY) = stemmedLength(w.count) { UInt32(w[$0]) }
    if endsInY { w[length - 1] = 0x79 }
    return length
  }

  /// The rules on a word of `count` characters given by their code points: how many of its
  /// first characters the stem keeps, and whether the last kept one becomes "y" (-ies).
  @inline(__always)
  private static func stemmedLength(_ count: Int, _ w: (Int) -> UInt32) -> (length: Int, endsInY: Bool) {
    let s: UInt32 = 0x73
    func isApostrophe(_ c: UInt32) -> Bool { c == 0x27 || c == 0x2019 }
    var n = count
    if n > 2, w(n - 1) == s || w(n - 1) == 0x53, isApostrophe(w(n - 2)) { n -= 2 }
    if n > 0, isApostrophe(w(n - 1)) { n -= 1 }
    guard n >= 3, w(n - 1) == s else { return (n, false) }
    let a = w(n - 2)
    let b = w(n - 3)
    switch a {
    case 0x75, s:
      return (n, false)
    case 0x65:
      if n > 3 && b == 0x69 && w(n - 4) != 0x61 && w(n - 4) != 0x65 { return (n - 2, true) }
      if b == 0x69 || b == 0x61 || b == 0x6F || b == 0x65 { return (n, false) }
      return (n - 1, false)
    default:
      return (n - 1, false)
    }
  }
}
