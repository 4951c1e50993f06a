/// Passage lengths in tokens, for BM25's length normalization (tantivy's fieldnorms).
///
///     Lengths file --> Header "LENS", <Length u32>^PassageCount, Footer
///
/// Example: passages of 57 and 3 tokens are the bytes 39 00 00 00 03 00 00 00.
enum PassageLengths {
  static func serialize(_ lengths: [UInt32]) -> [UInt8] {
    var writer = FileFormat.header(.lengths)
    for length in lengths { writer.u32(length) }
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

    subscript(doc: Int) -> UInt32 {
      file.bytes.loadUnaligned(fromByteOffset: start + 4 * doc, as: UInt32.self).littleEndian
    }
  }
}
