/// The term dictionary: sorted terms → document frequency and where their postings are.
///
///     Terms file --> Header "TERM", TermCount u32, BlockCount u32,
///                    <BlockOffset u32>^(BlockCount+1), Blocks, Footer
///     Block      --> PostingsOffset u64, FirstTerm string, DocFreq varint, PostingsLength varint,
///                    <Shared varint, Suffix string, DocFreq varint, PostingsLength varint>^(n-1)
///
/// Terms are UTF-8, sorted by their bytes, and packed `blockSize` to a block. The first term
/// of a block is whole; each next one keeps `Shared` leading bytes of the term before it
/// and adds `Suffix` (prefix compression, as Lucene's block-tree terms and SQLite FTS5's
/// leaf pages do). Postings lists follow one another in term order, so a term's postings
/// start where the previous term's end: each block stores only where its first term's
/// start. BlockOffsets are relative to the start of Blocks; the last one is its end.
///
/// A lookup binary-searches the blocks by their first term, then reads one block, so opening
/// the dictionary reads nothing and a lookup touches O(log blocks) + one block of the map.
///
/// Example: terms "910b" (2 passages, postings at 12, 9 bytes) and "910c" (1 passage, 3
/// bytes) in one block: TermCount 2, BlockCount 1, BlockOffsets 0, 20, then
/// 0C 00 00 00 00 00 00 00 | 04 "910b" 02 09 | 03 01 "c" 01 03.
enum TermDictionary {
  static let blockSize = 32

  struct Info: Equatable {
    var docFreq: UInt32
    var postingsOffset: UInt64
    var postingsLength: UInt32
  }

  /// `entries` sorted by term, with postings laid out contiguously in that order.
  static func serialize(_ entries: [(term: [UInt8], info: Info)]) -> [UInt8] {
    var builder = Builder()
    for entry in entries { builder.add(entry.term, entry.info) }
    return builder.finish()
  }

  /// The file built as terms arrive in order, a block at a time: a segment with millions
  /// of terms never holds an array per term.
  struct Builder {
    private var blocks = ByteWriter()
    private var offsets: [UInt32] = []
    private var previous: [UInt8] = []
    private(set) var count = 0

    mutating func add(_ term: [UInt8], _ info: Info) {
      if count % TermDictionary.blockSize == 0 {
        offsets.append(UInt32(blocks.count))
        blocks.u64(info.postingsOffset)
        blocks.varint(term.count)
        blocks.bytes.append(contentsOf: term)
      } else {
        let shared = zip(previous, term).prefix { $0 == $1 }.count
        blocks.varint(shared)
        blocks.varint(term.count - shared)
        blocks.bytes.append(contentsOf: term[shared...])
      }
      blocks.varint(UInt64(info.docFreq))
      blocks.varint(UInt64(info.postingsLength))
      previous = term
      count += 1
    }

    func finish() -> [UInt8] {
      var writer = FileFormat.header(.terms)
      writer.u32(UInt32(count))
      writer.u32(UInt32(offsets.count))
      for offset in offsets { writer.u32(offset) }
      writer.u32(UInt32(blocks.count))
      writer.bytes.append(contentsOf: blocks.bytes)
      FileFormat.finish(&writer)
      return writer.bytes
    }
  }

  /// A mapped terms file.
  struct Reader {
    let file: MappedFile
    let count: Int
    private let blockCount: Int
    private let offsetsStart: Int
    private let blocksStart: Int
    private let blocksEnd: Int

    init(_ file: MappedFile) throws {
      self.file = file
      let body = try FileFormat.openBody(file.bytes, kind: .terms, path: file.path)
      var reader = ByteReader(file.bytes, range: body, path: file.path)
      count = Int(try reader.u32())
      blockCount = Int(try reader.u32())
      offsetsStart = reader.offset
      blocksStart = offsetsStart + 4 * (blockCount + 1)
      blocksEnd = body.upperBound
      guard blocksStart <= blocksEnd, blockCount == (count + TermDictionary.blockSize - 1) / TermDictionary.blockSize,
        Int(file.bytes.loadUnaligned(fromByteOffset: blocksStart - 4, as: UInt32.self).littleEndian) == blocksEnd - blocksStart
      else {
        throw AISearchError.corrupt(file.path, "term table sizes do not match the file size")
      }
    }

    /// Decodes the terms of one block in order; `body` returns false to stop early.
    private func scan(block: Int, _ body: ([UInt8], Info) throws -> Bool) throws {
      let start = Int(file.bytes.loadUnaligned(fromByteOffset: offsetsStart + 4 * block, as: UInt32.self).littleEndian)
      let end = Int(file.bytes.loadUnaligned(fromByteOffset: offsetsStart + 4 * block + 4, as: UInt32.self).littleEndian)
      guard start <= end, blocksStart + end <= blocksEnd else {
        throw AISearchError.corrupt(file.path, "block \(block) out of bounds")
      }
      var reader = ByteReader(file.bytes, range: (blocksStart + start)..<(blocksStart + end), path: file.path)
      var offset = try reader.u64()
      var term: [UInt8] = []
      let n = min(TermDictionary.blockSize, count - block * TermDictionary.blockSize)
      for i in 0..<n {
        let shared = i == 0 ? 0 : try reader.count(max: term.count)
        let suffix = try reader.count(max: reader.end - reader.offset)
        term.removeSubrange(shared...)
        term.append(contentsOf: UnsafeRawBufferPointer(rebasing: file.bytes[reader.offset..<(reader.offset + suffix)]))
        reader.offset += suffix
        let docFreq = try reader.count(max: Int(UInt32.max))
        let length = try reader.count(max: Int(UInt32.max))
        let info = Info(docFreq: UInt32(docFreq), postingsOffset: offset, postingsLength: UInt32(length))
        offset += UInt64(length)
        if try !body(term, info) { return }
      }
    }

    /// The first term of a block, read without decoding the rest.
    private func firstTerm(of block: Int) throws -> UnsafeRawBufferPointer {
      let start = blocksStart
        + Int(file.bytes.loadUnaligned(fromByteOffset: offsetsStart + 4 * block, as: UInt32.self).littleEndian)
      var reader = ByteReader(file.bytes, range: (start + 8)..<blocksEnd, path: file.path)
      let length = try reader.count(max: blocksEnd - reader.offset)
      return UnsafeRawBufferPointer(rebasing: file.bytes[reader.offset..<(reader.offset + length)])
    }

    /// The last block whose first term is at most `term` (where it is, if anywhere):
    /// binary search over the blocks' first terms. The dictionary must not be empty.
    private func block(holding term: [UInt8]) throws -> Int {
      var low = 0
      var high = blockCount
      while high - low > 1 {
        let middle = (low + high) / 2
        if compareBytes(try firstTerm(of: middle), term) <= 0 { low = middle } else { high = middle }
      }
      return low
    }

    /// Finds `term`: the block that may hold it, then a scan of that block.
    func lookup(_ term: [UInt8]) throws -> Info? {
      guard blockCount > 0 else { return nil }
      var found: Info? = nil
      try scan(block: try block(holding: term)) { candidate, info in
        if candidate == term { found = info }
        return candidate.lexicographicallyPrecedes(term)  // go on while before the target
      }
      return found
    }

    /// The terms that begin with `prefix` (itself included), in order, at most `limit`.
    func terms(withPrefix prefix: [UInt8], limit: Int) throws -> [(term: [UInt8], info: Info)] {
      guard blockCount > 0, !prefix.isEmpty else { return [] }
      var found: [(term: [UInt8], info: Info)] = []
      var past = false
      for block in try block(holding: prefix)..<blockCount where !past && found.count < limit {
        try scan(block: block) { term, info in
          if term.starts(with: prefix) {
            found.append((term, info))
          } else if !term.lexicographicallyPrecedes(prefix) {
            past = true
          }
          return !past && found.count < limit
        }
      }
      return found
    }

    /// Every term in order, with its postings location (merges and checks).
    func forEach(_ body: ([UInt8], Info) throws -> Void) throws {
      for block in 0..<blockCount {
        try scan(block: block) { term, info in
          try body(term, info)
          return true
        }
      }
    }

    func allTerms() throws -> [(term: [UInt8], info: Info)] {
      var all: [(term: [UInt8], info: Info)] = []
      try forEach { all.append(($0, $1)) }
      return all
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
