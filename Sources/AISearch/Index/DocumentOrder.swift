/// The order of the documents in a segment: by file name, then by the directories that
/// hold it from the innermost out (`copy02/a/b.txt` after `copy01/a/b.txt`, both before
/// `copy01/a/c.txt`), the order a fresh build adds files in and a merge rewrites them in.
///
/// Copies of one file under different roots (mirrors, versions, the zh_CN and zh_TW trees
/// of one manual, the large benchmark tier's 41 shuffled copies) come out side by side,
/// as docid reassignment by URL does for web pages: their passages then share postings
/// blocks, so the gaps between passage ids shrink and block-max pruning skips a block of
/// copies or reads it once, instead of one block per copy. Large tier (docs/analysis.md):
/// the index 905 → 834 MB, one-thread ranking time −37%. In path order every copy sat in
/// a block of its own and those blocks could not be skipped.
///
/// The manifest still lists files by path: it is looked up by path.
enum DocumentOrder {
  /// The sort key of `path`: its components from the last to the first, each followed by
  /// a 0 byte (which no path holds), so that byte order on keys is component order.
  static func key(_ path: String) -> [UInt8] {
    var key: [UInt8] = []
    key.reserveCapacity(path.utf8.count + 1)
    var end = path.utf8.endIndex
    var index = end
    let utf8 = path.utf8
    while index > utf8.startIndex {
      let before = utf8.index(before: index)
      if utf8[before] == UInt8(ascii: "/") {
        key.append(contentsOf: utf8[index..<end])
        key.append(0)
        end = before
      }
      index = before
    }
    key.append(contentsOf: utf8[utf8.startIndex..<end])
    key.append(0)
    return key
  }

  /// The indices of `paths` in document order.
  static func sorted(_ paths: [String]) -> [Int] {
    let keys = paths.map(key)
    return paths.indices.sorted { keys[$0].lexicographicallyPrecedes(keys[$1]) }
  }
}
