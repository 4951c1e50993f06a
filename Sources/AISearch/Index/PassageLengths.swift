/// Passage lengths in tokens, per field, for BM25F's length normalization (tantivy's
/// fieldnorms).
///
///     Lengths file --> Header "LENS", <BodyLength u32>^PassageCount,
///                      <TitleLength u32>^PassageCount, Footer
///
/// Example: passages of 57 and 3 body tokens with 4 title tokens each are the bytes
/// 39 00 00 00 03 00 00 00 04 00 00 00 04 00 00 00.
enum PassageLengths {
  static func serialize(body: [UInt32], title: [UInt32]) -> [UInt8] {
    precondition(body.count == title.count)
    var writer = FileFormat.header(.lengths)
    for length in body { writer.u32(length) }
    for length in title { writer.u32(length) }
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
      guard body.count == 8 * expectedCount else {
        throw AISearchError.corrupt(file.path, "\(body.count / 8) lengths for \(expectedCount) passages")
      }
      start = body.lowerBound
      count = expectedCount
    }

    /// The body length of passage `doc`.
    subscript(doc: Int) -> UInt32 {
      file.bytes.loadUnaligned(fromByteOffset: start + 4 * doc, as: UInt32.self).littleEndian
    }

    func title(_ doc: Int) -> UInt32 {
      file.bytes.loadUnaligned(fromByteOffset: start + 4 * (count + doc), as: UInt32.self).littleEndian
    }
  }
}
