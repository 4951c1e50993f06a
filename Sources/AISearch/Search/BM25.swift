/// Okapi BM25 as Lucene (≥ 8) computes it, without Lucene's one-byte length quantization:
///
///     idf(t)      = ln(1 + (N − n + 0.5) / (n + 0.5))
///     score(t, p) = idf(t) · tf / (tf + k1 · (1 − b + b · dl / avgdl))
///
/// N is the number of live passages, n those holding t, tf the occurrences of t in passage
/// p, dl its length in tokens and avgdl the mean length. Lucene dropped the classic (k1 + 1)
/// numerator factor in 8.0; it scales every score alike and does not change the ranking.
/// k1 = 1.2 and b = 0.75 are Lucene's defaults (Robertson and Zaragoza, "The Probabilistic
/// Relevance Framework: BM25 and Beyond", 2009, recommend k1 in [1.2, 2.0], b = 0.75).
///
/// Passages have a second field, the title (document title, section heading, file name).
/// The two are combined as BM25F does (Robertson, Zaragoza and Taylor, "Simple BM25
/// extension to multiple weighted fields", CIKM 2004): each field's frequency is
/// length-normalized on its own and weighted, and the sum saturates once:
///
///     t           = tf_body / B_body + w_title · tf_title / B_title
///     B_f         = 1 − b_f + b_f · len_f / avglen_f
///     score(t, p) = idf(t) · t / (k1 + t)
///
/// With no title match this is exactly the single-field formula above. n counts passages
/// holding the term in either field.
public struct BM25: Sendable, Equatable {
  public var k1: Double = 1.2
  public var b: Double = 0.75
  public var titleWeight: Double = 2.0
  public var titleB: Double = 0.5

  public init(k1: Double = 1.2, b: Double = 0.75) {
    self.k1 = k1
    self.b = b
  }

  public func idf(passages: Int, containing: Int) -> Double {
    let n = Double(containing)
    return (1 + (Double(passages) - n + 0.5) / (n + 0.5)).logNatural
  }

  public func score(tf: Int, length: Int, averageLength: Double, idf: Double) -> Double {
    let t = Double(tf)
    let norm = averageLength > 0 ? (1 - b + b * Double(length) / averageLength) : 1
    return idf * t / (t + k1 * norm)
  }

  /// B_f = 1 − b_f + b_f · len_f / avglen_f (1 when the field has no average length).
  @inline(__always)
  func lengthNorm(_ length: Int, _ averageLength: Double, b: Double) -> Double {
    averageLength > 0 ? (1 - b + b * Double(length) / averageLength) : 1
  }

  /// BM25F from a passage's field norms (`lengthNorm`), computed once per passage; the
  /// same arithmetic as `score(body:title:idf:)`.
  @inline(__always)
  func score(tf: Int, bodyNorm: Double, titleTF: Int, titleNorm: Double, idf: Double) -> Double {
    saturate((tf > 0 ? Double(tf) / bodyNorm : 0) + titleWeight * (titleTF > 0 ? Double(titleTF) / titleNorm : 0), idf: idf)
  }

  /// idf · t / (k1 + t): what a combined, length-normalized frequency t scores (also the
  /// bound of a block from its skip entry, `PassageScorer.termBlockBound`).
  @inline(__always)
  func saturate(_ t: Double, idf: Double) -> Double {
    t > 0 ? idf * t / (k1 + t) : 0
  }

  /// BM25F over the body and title fields.
  public func score(body: FieldStatistics, title: FieldStatistics, idf: Double) -> Double {
    score(
      tf: body.tf, bodyNorm: lengthNorm(body.length, body.averageLength, b: b), titleTF: title.tf,
      titleNorm: lengthNorm(title.length, title.averageLength, b: titleB), idf: idf)
  }
}

/// One field's term frequency and length in a passage, and the field's average length.
public struct FieldStatistics: Sendable {
  public var tf: Int
  public var length: Int
  public var averageLength: Double

  public init(tf: Int, length: Int, averageLength: Double) {
    self.tf = tf
    self.length = length
    self.averageLength = averageLength
  }
}

extension Double {
  /// Natural logarithm without pulling in Foundation on the search path.
  var logNatural: Double {
    #if canImport(Glibc)
      return Glibc.log(self)
    #else
      return Darwin.log(self)
    #endif
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
