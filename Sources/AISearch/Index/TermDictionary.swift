/// The term dictionary: sorted terms → document frequency and where their postings are.
///
///     Terms file --> Header "TERM", TermCount u32, <TermInfo>^TermCount,
///                    <TermOffset u32>^(TermCount+1), TermBytes, Footer
///     TermInfo   --> DocFreq u32, PostingsOffset u64, PostingsLength u32
///
/// Terms are UTF-8, sorted by their bytes; term i is TermBytes[TermOffset[i] ..<
/// TermOffset[i+1]]. PostingsOffset is a byte offset in the postings file. A lookup binary
/// searches the offsets in the mapped file, so opening the dictionary reads nothing.
///
/// Example: terms "910c" (in 2 passages, postings at 12, 9 bytes) and "华为" (1 passage, at
/// 21, 3 bytes) are TermCount 2; TermInfos (2, 12, 9) (1, 21, 3); TermOffsets 0, 4, 10;
/// TermBytes "910c" E5 8D 8E E4 B8 BA.
enum TermDictionary {
  struct Info: Equatable {
    var docFreq: UInt32
    var postingsOffset: UInt64
    var postingsLength: UInt32
  }

  static func serialize(_ entries: [(term: [UInt8], info: Info)]) -> [UInt8] {
    var writer = FileFormat.header(.terms)
    writer.u32(UInt32(entries.count))
    for entry in entries {
      writer.u32(entry.info.docFreq)
      writer.u64(entry.info.postingsOffset)
      writer.u32(entry.info.postingsLength)
    }
    var offset: UInt32 = 0
    writer.u32(0)
    for entry in entries {
      offset += UInt32(entry.term.count)
      writer.u32(offset)
    }
    for entry in entries { writer.bytes.append(contentsOf: entry.term) }
    FileFormat.finish(&writer)
    return writer.bytes
  }

  /// A mapped terms file.
  struct Reader {
    let file: MappedFile
    let count: Int
    private let infosStart: Int
    private let offsetsStart: Int
    private let blobStart: Int
    private let blobEnd: Int

    init(_ file: MappedFile) throws {
      self.file = file
      let body = try FileFormat.openBody(file.bytes, kind: .terms, path: file.path)
      var reader = ByteReader(file.bytes, range: body, path: file.path)
      count = Int(try reader.u32())
      infosStart = reader.offset
      offsetsStart = infosStart + 16 * count
      blobStart = offsetsStart + 4 * (count + 1)
      blobEnd = body.upperBound
      guard blobStart <= blobEnd,
        Int(file.bytes.loadUnaligned(fromByteOffset: blobStart - 4, as: UInt32.self).littleEndian) == blobEnd - blobStart
      else {
        throw AISearchError.corrupt(file.path, "term table sizes do not match the file size")
      }
    }

    func term(at index: Int) throws -> UnsafeRawBufferPointer {
      let start = Int(file.bytes.loadUnaligned(fromByteOffset: offsetsStart + 4 * index, as: UInt32.self).littleEndian)
      let end = Int(file.bytes.loadUnaligned(fromByteOffset: offsetsStart + 4 * index + 4, as: UInt32.self).littleEndian)
      guard start <= end, blobStart + end <= blobEnd else {
        throw AISearchError.corrupt(file.path, "term \(index) out of bounds")
      }
      return UnsafeRawBufferPointer(rebasing: file.bytes[(blobStart + start)..<(blobStart + end)])
    }

    func info(at index: Int) -> Info {
      let base = infosStart + 16 * index
      return Info(
        docFreq: file.bytes.loadUnaligned(fromByteOffset: base, as: UInt32.self).littleEndian,
        postingsOffset: file.bytes.loadUnaligned(fromByteOffset: base + 4, as: UInt64.self).littleEndian,
        postingsLength: file.bytes.loadUnaligned(fromByteOffset: base + 12, as: UInt32.self).littleEndian)
    }

    /// Binary search for `term`'s UTF-8 bytes.
    func lookup(_ term: [UInt8]) throws -> Info? {
      var low = 0
      var high = count
      while low < high {
        let middle = (low + high) / 2
        let candidate = try self.term(at: middle)
        let order = compareBytes(candidate, term)
        if order == 0 { return info(at: middle) }
        if order < 0 { low = middle + 1 } else { high = middle }
      }
      return nil
    }

    /// Every term in order (for merges, checks and tests).
    func allTerms() throws -> [(term: [UInt8], info: Info)] {
      try (0..<count).map { (Array(try term(at: $0)), info(at: $0)) }
    }
  }
}

/// memcmp-style order of two byte strings: negative, zero or positive.
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Int {
  let n = min(a.count, b.count)
  for i in 0..<n where a[i] != b[i] {
    return Int(a[i]) - Int(b[i])
  }
  return a.count - b.count
}
