/// Verifies an index: every file's envelope and checksum, and the invariants that tie the
/// files together. What `aisearch check` runs (SQLite's `integrity-check` for FTS5).
///
/// Invariants per segment:
/// - terms are strictly ascending; each term's postings lie inside the postings file, the
///   lists follow one another without gaps or overlaps, and decode to exactly DocFreq
///   passages with ascending ids below the passage count and ascending positions;
/// - for every passage, the term frequencies of its body terms add up to its body length
///   and those of its title terms to its title length; the totals equal the manifest's
///   token counts;
/// - every stored passage names a stored document, and carries the `ListShare` its
///   document's stored passages give;
/// and per source file in the manifest: its passages lie inside its segment and are stored
/// under its path.
public enum Checker {
  public struct Report: Sendable {
    public var segments = 0
    public var passages = 0
    public var terms = 0
    public var files = 0
  }

  /// Checks the index in `directory`; throws `.corrupt` naming the file at the first problem.
  public static func check(directory: String) throws -> Report {
    guard let manifest = try Manifest.read(directory: directory) else {
      throw AISearchError(.noIndex, "no index in \(directory)", path: directory)
    }
    var report = Report()
    var segments: [SegmentReader] = []
    for segment in manifest.segments {
      let reader = try SegmentReader(directory: directory, segment: segment)
      try reader.verifyChecksums()
      try checkSegment(reader, segment)
      segments.append(reader)
      report.segments += 1
      report.passages += reader.livePassages
      report.terms += reader.terms.count
    }
    let manifestPath = directory + "/" + Manifest.fileName
    for file in manifest.files where file.passageCount > 0 {
      let store = segments[file.segment].store
      var checkedDocument = -1
      for id in file.firstPassage..<(file.firstPassage + file.passageCount) {
        let passage = try store.passage(Int(id))
        if passage.document != checkedDocument, try store.document(passage.document).path == file.path {
          checkedDocument = passage.document
        }
        guard passage.document == checkedDocument else {
          throw AISearchError.corrupt(manifestPath, "passage \(id) of \(manifest.segments[file.segment].name) is not from \(file.path)")
        }
      }
    }
    report.files = manifest.files.count
    return report
  }

  private static func checkSegment(_ reader: SegmentReader, _ segment: Manifest.Segment) throws {
    let termsPath = reader.terms.file.path
    let postingsPath = reader.postings.path
    var bodySums = [UInt64](repeating: 0, count: reader.passageCount)
    var titleSums = [UInt64](repeating: 0, count: reader.passageCount)
    var smallestRanks = [UInt64](repeating: .max, count: reader.passageCount)
    var previous: [UInt8]? = nil
    var expectedOffset = UInt64(FileFormat.headerSize)
    var index = 0
    try reader.terms.forEach { term, info in
      defer { index += 1 }
      if let previous, !previous.lexicographicallyPrecedes(term) {
        throw AISearchError.corrupt(termsPath, "term \(index) is out of order")
      }
      previous = term
      guard info.postingsOffset == expectedOffset else {
        throw AISearchError.corrupt(postingsPath, "postings of term \(index) start at \(info.postingsOffset), expected \(expectedOffset)")
      }
      expectedOffset += UInt64(info.postingsLength)
      guard let cursor = try reader.cursor(term) else {
        throw AISearchError.corrupt(termsPath, "term \(index) cannot be found again")
      }
      let isTitle = term.first == Field.titlePrefixByte
      let rank = CopySignature.mix(term.reduce(TermTable.fnvBasis, TermTable.fnv))
      var count = 0
      // Each block's bounds in the skip table, recomputed from its passages: a bound too
      // low would make pruning drop passages that belong in the top k, silently.
      var blockMaxFreq = 0
      var blockMinRatio = Int.max
      while try cursor.next() {
        count += 1
        let positions = try cursor.positions()
        guard zip(positions, positions.dropFirst()).allSatisfy({ $0 < $1 }) else {
          throw AISearchError.corrupt(postingsPath, "positions of term \(index) in passage \(cursor.doc) are not ascending")
        }
        if isTitle {
          titleSums[Int(cursor.doc)] += UInt64(positions.count)
        } else {
          bodySums[Int(cursor.doc)] += UInt64(positions.count)
          smallestRanks[Int(cursor.doc)] = min(smallestRanks[Int(cursor.doc)], rank)
        }
        let length = Int(isTitle ? reader.lengths.title(Int(cursor.doc)) : reader.lengths[Int(cursor.doc)])
        blockMaxFreq = max(blockMaxFreq, positions.count)
        blockMinRatio = min(blockMinRatio, Postings.ratio(length: length, freq: positions.count))
        if count % Postings.blockSize == 0 || count == Int(info.docFreq) {
          let block = (count - 1) / Postings.blockSize
          if let stored = try cursor.blockImpact(block) {
            let expected = (min(blockMaxFreq, Postings.maxFreqLimit), blockMinRatio)
            guard stored.maxFreq == expected.0, stored.minRatio == expected.1 else {
              throw AISearchError.corrupt(
                postingsPath,
                "block \(block) of term \(index) has bounds \(stored.maxFreq)/\(stored.minRatio), its passages give \(expected.0)/\(expected.1)")
            }
          }
          blockMaxFreq = 0
          blockMinRatio = Int.max
        }
      }
      guard count == Int(info.docFreq), count == 0 || cursor.readToEnd else {
        throw AISearchError.corrupt(postingsPath, "term \(index)'s postings do not end where the dictionary says")
      }
    }
    guard index == reader.terms.count else {
      throw AISearchError.corrupt(termsPath, "\(index) terms decoded, the header says \(reader.terms.count)")
    }
    guard expectedOffset == UInt64(reader.postings.bytes.count - FileFormat.footerSize) else {
      throw AISearchError.corrupt(postingsPath, "postings end at \(expectedOffset), the file body at \(reader.postings.bytes.count - FileFormat.footerSize)")
    }
    let lengthsPath = reader.lengths.file.path
    // A document's passages are consecutive: its list share is recomputed once they are read.
    var documentPassages: [Passage] = []
    var documentFirst = 0
    var currentDocument = -1
    func checkListShares(before end: Int) throws {
      guard !documentPassages.isEmpty else { return }
      let share = ListShare.of(documentPassages)
      for id in documentFirst..<end where reader.lengths.listShare(id) != share {
        throw AISearchError.corrupt(
          lengthsPath, "passage \(id) has list share \(reader.lengths.listShare(id)), its document's passages give \(share)")
      }
    }
    // Every document record decodes (passage(_:) checks that each passage's document exists).
    try reader.store.documents { _, _ in true }
    for doc in 0..<reader.passageCount {
      guard bodySums[doc] == UInt64(reader.lengths[doc]), titleSums[doc] == UInt64(reader.lengths.title(doc)) else {
        throw AISearchError.corrupt(lengthsPath, "passage \(doc) has lengths \(reader.lengths[doc])/\(reader.lengths.title(doc)), its postings say \(bodySums[doc])/\(titleSums[doc])")
      }
      let signature = CopySignature.signature(ofSmallest: smallestRanks[doc])
      guard reader.lengths.signature(doc) == signature else {
        throw AISearchError.corrupt(lengthsPath, "passage \(doc) has copy signature \(reader.lengths.signature(doc)), its terms give \(signature)")
      }
      let passage = try reader.store.passage(doc)
      guard try reader.store.passageRange(ofDocument: passage.document).contains(doc) else {
        throw AISearchError.corrupt(reader.store.file.path, "passage \(doc) lies outside its document's passage range")
      }
      if passage.document != currentDocument {
        try checkListShares(before: doc)
        documentPassages.removeAll(keepingCapacity: true)
        documentFirst = doc
        currentDocument = passage.document
      }
      documentPassages.append(Passage(text: passage.text, lineStart: passage.lineStart, lineEnd: passage.lineEnd))
    }
    try checkListShares(before: reader.passageCount)
    guard bodySums.reduce(0, +) == segment.tokenCount, titleSums.reduce(0, +) == segment.titleTokenCount else {
      throw AISearchError.corrupt(lengthsPath, "token totals differ from the manifest's")
    }
  }
}
