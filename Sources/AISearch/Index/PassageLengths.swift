import CPrefetch

/// Passage lengths in tokens, per field, for BM25F's length normalization (tantivy's
/// fieldnorms), each passage's copy signature, and its document's list share.
///
///     Lengths file --> Header "LENS", <BodyLength u16>^PassageCount,
///                      <TitleLength u16>^PassageCount, <Signature u16>^PassageCount,
///                      <ListShare u8>^PassageCount, Footer
///
/// Lengths are exact (a passage of at most 1000 characters has far fewer than 65,536
/// tokens; longer counts are clamped). The signature is a one-permutation MinHash of the
/// passage's body terms (`CopySignature`): two passages whose term sets overlap by
/// Jaccard J share it with probability about J, so the query engine can tell likely copies
/// apart from distinct passages without reading their text. The list share is the
/// `ListShare` of the passage's document (0…255), for `ListPagePrior`. Example: passages of
/// 57 and 3 body tokens with 4 title tokens each, signatures 0x1234 and 0xBEEF, of documents
/// with list shares 30 and 179 are the bytes 39 00 03 00 04 00 04 00 34 12 EF BE 1E B3.
enum PassageLengths {
  static func serialize(_ tables: PassageTables) -> [UInt8] {
    precondition(
      tables.title.count == tables.count && tables.signatures.count == tables.count && tables.listShares.count == tables.count)
    var writer = FileFormat.header(.lengths)
    for length in tables.body { writer.u16(UInt16(clamping: length)) }
    for length in tables.title { writer.u16(UInt16(clamping: length)) }
    for signature in tables.signatures { writer.u16(signature) }
    writer.bytes.append(contentsOf: tables.listShares)
    FileFormat.finish(&writer)
    return writer.bytes
  }

  struct Reader {
    let file: MappedFile
    let count: Int
    private let start: Int

    init(_ file: MappedFile, expectedCount: Int) throws {
      self.file = file
      let body = try FileFormat.openBody(file.bytes, kind: .lengths, path: file.path)
      guard body.count == 7 * expectedCount else {
        throw AISearchError.corrupt(file.path, "\(body.count / 7) lengths for \(expectedCount) passages")
      }
      start = body.lowerBound
      count = expectedCount
    }

    /// The body length of passage `doc`.
    subscript(doc: Int) -> UInt32 {
      UInt32(file.bytes.loadUnaligned(fromByteOffset: start + 2 * doc, as: UInt16.self).littleEndian)
    }

    /// Starts loading passage `doc`'s lengths into the cache.
    @inline(__always)
    func prefetch(_ doc: Int) {
      prefetchBody(doc)
      aisearch_prefetch(file.bytes.baseAddress! + start + 2 * (count + doc))
    }

    /// Starts loading passage `doc`'s body length into the cache.
    @inline(__always)
    func prefetchBody(_ doc: Int) {
      aisearch_prefetch(file.bytes.baseAddress! + start + 2 * doc)
    }

    func title(_ doc: Int) -> UInt32 {
      UInt32(file.bytes.loadUnaligned(fromByteOffset: start + 2 * (count + doc), as: UInt16.self).littleEndian)
    }

    /// Passage `doc`'s `CopySignature`.
    func signature(_ doc: Int) -> UInt16 {
      file.bytes.loadUnaligned(fromByteOffset: start + 2 * (2 * count + doc), as: UInt16.self).littleEndian
    }

    /// The `ListShare` of passage `doc`'s document.
    func listShare(_ doc: Int) -> UInt8 {
      file.bytes[start + 6 * count + doc]
    }
  }
}

/// What a segment keeps per passage beside its postings and stored text, column by column
/// as the lengths file stores it: body and title lengths in tokens (exact here, clamped to
/// 16 bits in the file), `CopySignature` and its document's `ListShare`. The segment writer
/// and the merger fill it, `SegmentFiles` encodes postings over its lengths and writes it.
struct PassageTables {
  var body: [UInt32] = []
  var title: [UInt32] = []
  var signatures: [UInt16] = []
  var listShares: [UInt8] = []

  var count: Int { body.count }

  mutating func append(body bodyLength: UInt32, title titleLength: UInt32, signature: UInt16, listShare: UInt8) {
    body.append(bodyLength)
    title.append(titleLength)
    signatures.append(signature)
    listShares.append(listShare)
  }
}

/// A passage's copy signature: the smallest of its distinct body terms' hashes, re-mixed
/// (one-permutation MinHash, Broder 1997), cut to 16 bits. Equal signatures mean "probably
/// copies" and never more: unrelated passages share one once in 65,536, and copies with
/// Jaccard J miss with probability 1 − J, so the query engine uses them only to decide how
/// deep to look (`CandidateHeap`), and compares the texts before collapsing anything.
enum CopySignature {
  /// From the terms' FNV-1a hashes (`TermTable.fnv`), as the segment writer has them.
  static func of<Hashes: Sequence<UInt64>>(termHashes: Hashes) -> UInt16 {
    signature(ofSmallest: termHashes.reduce(UInt64.max) { min($0, mix($1)) })
  }

  /// A term's rank in the one permutation: FNV-1a's high bits are poorly mixed for short
  /// terms, SplitMix64's finalizer spreads them.
  static func mix(_ hash: UInt64) -> UInt64 {
    var z = hash &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// The signature of a passage whose smallest mixed term hash is `smallest` (UInt64.max
  /// for a passage without body terms).
  static func signature(ofSmallest smallest: UInt64) -> UInt16 {
    UInt16(truncatingIfNeeded: smallest >> 48)
  }
}
