/// A query-independent prior against contents pages, menus and link lists: documents whose
/// text stands mostly in list lines (`ListShare`). Such a page names every topic of a
/// manual in one place, so it holds all the words of many queries, each once, without
/// answering any of them: the Calc guide's contents page outranked the page on freezing
/// rows and columns for `LibreOffice Calc 冻结 表头 行`, the text of the answer lacking
/// "Calc" (docs/analysis.md). The boilerplate feature of Kohlschütter et al. (WSDM 2010),
/// taken per document and used as a static quality prior (Bendersky et al., WSDM 2011).
///
/// A document at most half list lines keeps its score; above half the score falls linearly,
/// to `weight` less for a page of list lines only:
///
///     factor = 1 − weight · max(0, share − threshold) / (1 − threshold)
///
/// The factor is at most 1, so the scorer's bounds, which leave it out, stay bounds.
struct ListPagePrior {
  var threshold = 0.5 { didSet { table = ListPagePrior.factors(threshold: threshold, weight: weight) } }
  var weight = 0.5 { didSet { table = ListPagePrior.factors(threshold: threshold, weight: weight) } }

  /// `factor` for every stored share, kept with the parameters (every query reads it).
  private(set) var table = ListPagePrior.factors(threshold: 0.5, weight: 0.5)

  /// The factor for a stored share (0…255).
  func factor(_ share: UInt8) -> Double {
    ListPagePrior.factor(share, threshold: threshold, weight: weight)
  }

  private static func factor(_ share: UInt8, threshold: Double, weight: Double) -> Double {
    let excess = max(0, Double(share) / 255 - threshold)
    return 1 - weight * excess / (1 - threshold)
  }

  private static func factors(threshold: Double, weight: Double) -> [Double] {
    (0...255).map { factor(UInt8($0), threshold: threshold, weight: weight) }
  }
}
