/// One segment's files, memory-mapped, with their envelopes checked.
final class SegmentReader {
  static let extensions = ["terms", "postings", "lengths", "passages"]

  let name: String
  let passageCount: Int
  let terms: TermDictionary.Reader
  let postings: MappedFile
  let lengths: PassageLengths.Reader
  let store: PassageStore.Reader
  /// One bit per passage, set when deleted; empty when none is.
  private let deletedBits: [UInt64]
  /// Passages not deleted, and their tokens: BM25's N and average length count live ones.
  let livePassages: Int
  let liveTokens: UInt64
  let liveTitleTokens: UInt64

  init(directory: String, segment: Manifest.Segment) throws {
    name = segment.name
    passageCount = Int(segment.passageCount)
    let base = directory + "/" + segment.name
    terms = try TermDictionary.Reader(MappedFile(base + ".terms"))
    postings = try MappedFile(base + ".postings")
    _ = try FileFormat.openBody(postings.bytes, kind: .postings, path: postings.path)
    lengths = try PassageLengths.Reader(MappedFile(base + ".lengths"), expectedCount: passageCount)
    store = try PassageStore.Reader(MappedFile(base + ".passages"), expectedPassages: passageCount)
    var deleted = [UInt64](repeating: 0, count: segment.deleted.isEmpty ? 0 : (passageCount + 63) / 64)
    var deletedTokens: UInt64 = 0
    var deletedTitleTokens: UInt64 = 0
    for id in segment.deleted {
      deleted[Int(id) >> 6] |= 1 << UInt64(id & 63)
      deletedTokens += UInt64(lengths[Int(id)])
      deletedTitleTokens += UInt64(lengths.title(Int(id)))
    }
    deletedBits = deleted
    livePassages = passageCount - segment.deleted.count
    liveTokens = segment.tokenCount >= deletedTokens ? segment.tokenCount - deletedTokens : 0
    liveTitleTokens = segment.titleTokenCount >= deletedTitleTokens ? segment.titleTokenCount - deletedTitleTokens : 0
  }

  @inline(__always)
  func isDeleted(_ doc: Int) -> Bool {
    !deletedBits.isEmpty && deletedBits[doc >> 6] & (1 << UInt64(doc & 63)) != 0
  }

  /// A cursor over `term`'s postings, or nil when the segment does not hold the term.
  func cursor(_ term: [UInt8]) throws -> PostingsCursor? {
    guard let info = try terms.lookup(term) else { return nil }
    return try cursor(info)
  }

  /// A cursor over the postings a dictionary entry of this segment points to.
  func cursor(_ info: TermDictionary.Info) throws -> PostingsCursor {
    let start = Int(info.postingsOffset)
    let end = start + Int(info.postingsLength)
    guard start >= FileFormat.headerSize, end <= postings.bytes.count - FileFormat.footerSize else {
      throw AISearchError.corrupt(postings.path, "postings of a term run past the end")
    }
    return PostingsCursor(
      postings.bytes, range: start..<end, docFreq: Int(info.docFreq), docLimit: UInt32(passageCount), path: postings.path)
  }

  /// Verifies every file's checksum (what `aisearch check` does for large files too).
  func verifyChecksums() throws {
    for file in [terms.file, postings, lengths.file, store.file] {
      try FileFormat.verifyChecksum(file.bytes, path: file.path)
    }
  }
}
