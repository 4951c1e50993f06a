import CPrefetch

/// Passage lengths in tokens, per field, for BM25F's length normalization (tantivy's
/// fieldnorms).
///
///     Lengths file --> Header "LENS", <BodyLength u16>^PassageCount,
///                      <TitleLength u16>^PassageCount, Footer
///
/// Lengths are exact (a passage of at most 1000 characters has far fewer than 65,536
/// tokens; longer counts are clamped). Example: passages of 57 and 3 body tokens with 4
/// title tokens each are the bytes 39 00 03 00 04 00 04 00.
enum PassageLengths {
  static func serialize(body: [UInt32], title: [UInt32]) -> [UInt8] {
    precondition(body.count == title.count)
    var writer = FileFormat.header(.lengths)
    for length in body { writer.u16(UInt16(clamping: length)) }
    for length in title { writer.u16(UInt16(clamping: length)) }
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
      guard body.count == 4 * expectedCount else {
        throw AISearchError.corrupt(file.path, "\(body.count / 4) lengths for \(expectedCount) passages")
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
      aisearch_prefetch(file.bytes.baseAddress! + start + 2 * doc)
      aisearch_prefetch(file.bytes.baseAddress! + start + 2 * (count + doc))
    }

    func title(_ doc: Int) -> UInt32 {
      UInt32(file.bytes.loadUnaligned(fromByteOffset: start + 2 * (count + doc), as: UInt16.self).littleEndian)
    }
  }
}
