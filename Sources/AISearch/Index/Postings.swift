/// Postings: for every term, the passages that hold it, how often, and at which positions.
///
///     TermPostings --> SkipTable (only when BlockCount > 1), <DocBlock>^BlockCount, Positions
///     SkipTable    --> SkipLength varint, DocBlocksLength varint, <SkipEntry>^BlockCount
///     SkipEntry    --> LastDocDelta varint, DocBlockLength varint, PositionsLength varint,
///                      MaxFreq varint, MinRatio varint
///     DocBlock     --> PackedBlock (the first BlockCount − 1 blocks, and a last one that is
///                      full) | TailBlock (a last block of fewer passages)
///     PackedBlock  --> DocBits u8, DocExceptionCount u8, FreqBits u8, FirstDelta varint,
///                      PackedDocDeltas, <Exception>^DocExceptionCount, PackedFreqs
///     Exception    --> IndexGap varint, HighBits varint
///     TailBlock    --> <DocCode varint, Freq varint?>^n
///     Positions    --> <BlockPositions>^BlockCount
///     BlockPositions --> PositionBits u8, ExceptionCount varint, PackedPositionDeltas,
///                      <Exception>^ExceptionCount (a full block)
///                      | <<PositionDelta varint>^Freq>^n (a tail block)
///
/// Passages come in blocks of `blockSize` (the last block holds the rest; BlockCount is
/// ⌈DocFreq / blockSize⌉, DocFreq is in the term dictionary). Doc deltas are each passage id
/// minus the previous one (the term's first id is absolute). In a full block the first
/// delta is a varint and the other 127 deltas, then all frequencies minus one, are
/// bit-packed in DocBits or FreqBits bits each, least significant bit first, each array
/// padded to a whole byte, as in Lucene's and tantivy's 128-doc blocks. Doc deltas and
/// positions are packed with exceptions (patched frame of reference, as Lucene's PForUtil):
/// only the low DocBits (PositionBits) bits of each value are packed, and each value wider
/// than that is listed after the packed array as an Exception, its index (the gap from the
/// previous exception's, the first's absolute) and its bits above the width; the writer
/// takes the width that makes the block smallest (large tier: doc blocks −25%, full-block
/// positions −6%). A last block of fewer passages is varint-coded as Lucene
/// codes it: DocCode is the doc delta shifted left by one, its low bit set when Freq is 1
/// (then Freq is not written); most terms have fewer than 128 passages and pay no block
/// header. Positions live apart, after all blocks, so walking passages never decodes
/// them: a passage's positions are deltas from its previous position (the first absolute),
/// all of a full block's passages' deltas bit-packed together in PositionBits bits each
/// (Σ Freq values; a passage's start is the sum of the frequencies before it), a tail
/// block's as varints.
///
/// The skip table lets a cursor jump to the block holding a target passage without
/// decoding the ones before it. SkipLength is the byte length of the entries, and
/// DocBlocksLength that of all doc blocks (where Positions start). An entry gives the
/// block's last passage id (less the previous block's; the first absolute), the byte
/// lengths of its doc block and of its positions (so block starts add up), and MaxFreq and
/// MinRatio, the block's largest frequency and smallest field length over frequency (in
/// sixteenths, rounded down), from which a query bounds what any passage of the block can
/// score (block-max pruning): a passage's length-normalized frequency
/// tf / (1 − b + b·len/avg) = 1 / ((1 − b)/tf + b·(len/tf)/avg) is at most
/// 1 / ((1 − b)/MaxFreq + b·MinRatio/16/avg), for any b and average, and the ratio keeps a
/// block's long passages with many occurrences from pairing with its short ones with one
/// (the shortest length with the largest frequency overstated common terms' blocks so that
/// almost none could be skipped). Entries are read forward only as far as a target needs.
/// One-block terms (most of them) have no table.
///
/// Example: a term at position 3 of passage 7 and at positions 0, 4, 9 of passage 11: a
/// tail block 0F | 08 03 (Lucene's "15, 8, 3"), then positions 03 | 00 04 05. A full block
/// whose deltas are 5, then 1 or 2, with every frequency 1 starts 02 00 00 05 (DocBits 2,
/// no exceptions, FreqBits 0, FirstDelta 5), has 32 bytes of packed deltas and none of
/// frequencies, and when every position is 0 its positions are 00 00 (PositionBits 0, no
/// exceptions). Were its eleventh packed delta 9 instead, it would start 02 01 00 05, pack
/// 9's low bits 01 in its place, and follow the packed deltas with the exception 0A 02
/// (index 10, 9 >> 2).
enum Postings {
  static let blockSize = 128
  /// MinRatio's unit: sixteenths of a token per occurrence.
  static let ratioScale = 16
  static let ratioLimit: UInt64 = 1 << 24 - 1
  /// The largest MaxFreq written; it stands for any frequency at least as large.
  static let maxFreqLimit = 0xFFFF

  /// A passage's share of its block's MinRatio: its field length over its frequency, in
  /// sixteenths, rounded down and capped (a smaller ratio only loosens the bound). The
  /// writer and `Checker` both take it from here.
  static func ratio(length: Int, freq: Int) -> Int {
    min(length * ratioScale / max(freq, 1), Int(ratioLimit))
  }

  /// Re-codes one term's in-memory postings into the file layout. `lengths` are the field
  /// lengths of the segment's passages (body or title, as the term's field).
  static func encode(_ buffer: PostingsEncoder, lengths: [UInt32]) throws -> [UInt8] {
    let (docs, freqs, positionDeltas) = try buffer.flattened()
    return encode(docs: docs, freqs: freqs, positionDeltas: positionDeltas, lengths: lengths)
  }

  /// The same from flat arrays: passage ids, frequencies, and all position deltas (each
  /// passage's first position absolute).
  static func encode(docs: [UInt32], freqs: [UInt32], positionDeltas: [UInt32], lengths: [UInt32]) -> [UInt8] {
    let blockCount = (docs.count + blockSize - 1) / blockSize
    var blocks = ByteWriter()
    var positions = ByteWriter()
    var skips: [(lastDoc: UInt32, docOffset: Int, positionsOffset: Int, maxFreq: UInt32, minRatio: Int)] = []
    var previous: UInt32 = 0
    var positionStart = 0
    var deltas = [UInt32](repeating: 0, count: blockSize)
    var freqsLessOne = [UInt32](repeating: 0, count: blockSize)
    for b in 0..<blockCount {
      let range = (b * blockSize)..<min(docs.count, (b + 1) * blockSize)
      var maxFreq: UInt32 = 0
      var minRatio = Int.max
      var positionCount = 0
      for (i, d) in range.enumerated() {
        deltas[i] = b == 0 && i == 0 ? docs[d] : docs[d] - previous
        previous = docs[d]
        freqsLessOne[i] = freqs[d] - 1
        maxFreq = max(maxFreq, freqs[d])
        let length = Int(docs[d]) < lengths.count ? Int(lengths[Int(docs[d])]) : 0
        minRatio = min(minRatio, Postings.ratio(length: length, freq: Int(freqs[d])))
        positionCount += Int(freqs[d])
      }
      skips.append((previous, blocks.count, positions.count, maxFreq, minRatio))
      let n = range.count
      let blockPositions = positionDeltas[positionStart..<(positionStart + positionCount)]
      positionStart += positionCount
      if n == blockSize {
        let (docBits, docExceptions) = patchedWidth(deltas[1..<n])
        let freqBits = bitWidth(freqsLessOne[0..<n].max() ?? 0)
        blocks.u8(UInt8(docBits))
        blocks.u8(UInt8(docExceptions))
        blocks.u8(UInt8(freqBits))
        blocks.varint(UInt64(deltas[0]))
        pack(deltas[1..<n], bits: docBits, into: &blocks)
        writeExceptions(deltas[1..<n], bits: docBits, into: &blocks)
        pack(freqsLessOne[0..<n], bits: freqBits, into: &blocks)
        let (positionBits, positionExceptions) = patchedWidth(blockPositions)
        positions.u8(UInt8(positionBits))
        positions.varint(UInt64(positionExceptions))
        pack(blockPositions, bits: positionBits, into: &positions)
        writeExceptions(blockPositions, bits: positionBits, into: &positions)
      } else {
        for i in 0..<n {
          if freqsLessOne[i] == 0 {
            blocks.varint(UInt64(deltas[i]) << 1 | 1)
          } else {
            blocks.varint(UInt64(deltas[i]) << 1)
            blocks.varint(UInt64(freqsLessOne[i] + 1))
          }
        }
        for delta in blockPositions { positions.varint(UInt64(delta)) }
      }
    }
    var out = ByteWriter()
    if blockCount > 1 {
      var table = ByteWriter()
      for (b, skip) in skips.enumerated() {
        let next = b + 1 < skips.count ? skips[b + 1] : nil
        table.varint(UInt64(skip.lastDoc - (b == 0 ? 0 : skips[b - 1].lastDoc)))
        table.varint((next?.docOffset ?? blocks.count) - skip.docOffset)
        table.varint((next?.positionsOffset ?? positions.count) - skip.positionsOffset)
        // MaxFreq capped: the cap is also the bound of every larger frequency, as the
        // reader treats it (MinRatio is capped by `ratio`).
        table.varint(UInt64(min(Int(skip.maxFreq), Postings.maxFreqLimit)))
        table.varint(UInt64(skip.minRatio))
      }
      out.varint(table.count)
      out.varint(blocks.count)
      out.bytes.append(contentsOf: table.bytes)
    }
    out.bytes.append(contentsOf: blocks.bytes)
    out.bytes.append(contentsOf: positions.bytes)
    return out.bytes
  }

  static func bitWidth(_ value: UInt32) -> Int {
    value == 0 ? 0 : 32 - value.leadingZeroBitCount
  }

  /// The width that packs `values` smallest with the wider ones as exceptions (patched
  /// frame of reference, Zukowski et al., ICDE 2006): the packed bits, plus for each value
  /// wider than the width its index gap and its high bits as varints. From a histogram of
  /// the values' widths, so each width is priced without another pass; on a tie, the
  /// wider (fewer exceptions to patch when reading). Returns the width and how many values
  /// are wider.
  static func patchedWidth<Values: Collection<UInt32>>(_ values: Values) -> (bits: Int, exceptions: Int) {
    var histogram = [Int](repeating: 0, count: 33)
    for value in values { histogram[bitWidth(value)] += 1 }
    var widest = 32
    while widest > 0 && histogram[widest] == 0 { widest -= 1 }
    var best = (bits: widest, exceptions: 0)
    var bestSize = packedSize(values.count, bits: widest)
    for bits in stride(from: widest - 1, through: 0, by: -1) {
      var size = packedSize(values.count, bits: bits)
      var exceptions = 0
      for width in (bits + 1)...widest where histogram[width] > 0 {
        // The index gap takes one byte unless exceptions are 128 apart; the high bits a
        // byte per 7.
        size += histogram[width] * (1 + (width - bits + 6) / 7)
        exceptions += histogram[width]
      }
      size += exceptions > 127 ? exceptions / 128 : 0
      if size < bestSize {
        best = (bits, exceptions)
        bestSize = size
      }
    }
    return best
  }

  /// After values packed at `bits`, each wider value: the gap from the previous one's
  /// index (the first's index itself), then its bits above `bits`.
  static func writeExceptions<Values: Collection<UInt32>>(_ values: Values, bits: Int, into writer: inout ByteWriter) {
    var previous = 0
    for (i, value) in values.enumerated() where bitWidth(value) > bits {
      writer.varint(UInt64(i - previous))
      writer.varint(UInt64(value >> UInt32(bits)))
      previous = i
    }
  }

  /// Appends the low `bits` bits of `values`, least significant bit first, padded to a
  /// byte.
  static func pack<Values: Collection<UInt32>>(_ values: Values, bits: Int, into writer: inout ByteWriter) {
    guard bits > 0 else { return }
    let mask: UInt64 = (1 << UInt64(bits)) - 1
    let start = writer.bytes.count
    let size = packedSize(values.count, bits: bits)
    // Room made first and filled through a pointer: appended a byte at a time, packing was
    // 2% of a large build's samples.
    writer.bytes.append(contentsOf: repeatElement(0, count: size))
    writer.bytes.withUnsafeMutableBufferPointer { out in
      var at = start
      var accumulator: UInt64 = 0
      var filled = 0
      for value in values {
        accumulator |= (UInt64(value) & mask) << UInt64(filled)
        filled += bits
        while filled >= 8 {
          out[at] = UInt8(truncatingIfNeeded: accumulator)
          at += 1
          accumulator >>= 8
          filled -= 8
        }
      }
      if filled > 0 { out[at] = UInt8(truncatingIfNeeded: accumulator) }
    }
  }

  /// Bytes `count` values of `bits` bits take.
  static func packedSize(_ count: Int, bits: Int) -> Int {
    (count * bits + 7) / 8
  }
}

/// One term's postings as they are added while a segment is built: passage ids and
/// positions in a compact varint stream (DocDelta, Freq, PositionDeltas), re-coded into
/// blocks (`Postings.encode`) when the segment is written. Blocks cannot be built as
/// passages arrive without holding a 128-entry buffer for each of a segment's millions of
/// terms.
struct PostingsEncoder {
  private(set) var writer = ByteWriter()
  private(set) var docFreq = 0
  private var lastDoc: UInt32 = 0

  var bytes: [UInt8] { writer.bytes }

  /// Adds one passage; ids must increase, positions must be ascending and non-empty.
  mutating func add(doc: UInt32, positions: some Collection<Int32>) {
    writer.varint(UInt64(doc - lastDoc))
    PostingsEncoder.append(positions, to: &writer)
    lastDoc = doc
    docFreq += 1
  }

  /// A passage's entry after its DocDelta: Freq, then the position deltas.
  static func append(_ positions: some Collection<Int32>, to writer: inout ByteWriter) {
    writer.varint(positions.count)
    var previous: Int32 = 0
    for position in positions {
      writer.varint(UInt64(position - previous))
      previous = position
    }
  }

  /// The passages, their frequencies and all position deltas (each passage's first
  /// position absolute), in order, as flat arrays.
  func flattened() throws -> (docs: [UInt32], freqs: [UInt32], positionDeltas: [UInt32]) {
    var docs: [UInt32] = []
    var freqs: [UInt32] = []
    var positionDeltas: [UInt32] = []
    docs.reserveCapacity(docFreq)
    freqs.reserveCapacity(docFreq)
    positionDeltas.reserveCapacity(writer.count - 2 * docFreq)
    try writer.bytes.withUnsafeBytes { raw in
      var reader = ByteReader(raw, range: 0..<raw.count, path: "postings buffer")
      var doc: UInt32 = 0
      while !reader.isAtEnd {
        doc += UInt32(try reader.varint())
        let count = UInt32(try reader.varint())
        docs.append(doc)
        freqs.append(count)
        for _ in 0..<count { positionDeltas.append(UInt32(truncatingIfNeeded: try reader.varint())) }
      }
    }
    return (docs, freqs, positionDeltas)
  }
}

/// Walks one term's postings in a mapped postings file, block by block, skipping blocks
/// with the skip table and positions it is not asked for.
///
/// A class, and its block in raw buffers: a query moves its cursors millions of times,
/// and as a value (some 200 bytes, with arrays) each move through an optional or an
/// array element was copied, and each array write checked for uniqueness.
final class PostingsCursor {
  private let bytes: UnsafeRawBufferPointer
  private let start: Int
  private let end: Int
  private let docLimit: UInt32
  private let docFreq: Int
  let blockCount: Int
  let path: String

  private var block = -1
  private var index = 0
  private var count = 0
  private let docs = UnsafeMutablePointer<UInt32>.allocate(capacity: Postings.blockSize)
  private let freqs = UnsafeMutablePointer<UInt32>.allocate(capacity: Postings.blockSize)
  /// Where the positions of the current block's passage `positionsIndex` start.
  private var positionsOffset = 0
  private var positionsIndex = 0
  private(set) var doc: UInt32 = 0
  /// A full block's frequencies are unpacked only when one is asked for: most passages a
  /// query walks past are never scored.
  private var freqsReady = true
  private var freqsOffset = 0
  private var freqBits = 0
  private var previousBlockLastDoc: UInt32 = 0
  /// The current block's last passage (UInt32.max for a term without a skip table).
  private var blockLastDoc: UInt32 = .max

  init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>, docFreq: Int, docLimit: UInt32, path: String) {
    self.bytes = bytes
    start = range.lowerBound
    end = range.upperBound
    self.docFreq = docFreq
    self.docLimit = docLimit
    blockCount = (docFreq + Postings.blockSize - 1) / Postings.blockSize
    self.path = path
  }

  deinit {
    docs.deallocate()
    freqs.deallocate()
  }

  private var hasSkipTable: Bool { blockCount > 1 }

  /// Skip entries decoded so far: per block, its last passage, where the next block's doc
  /// block and positions start, and its bound data.
  private var skips: [(lastDoc: UInt32, nextDocStart: Int, nextPositionsStart: Int, maxFreq: Int, minRatio: Int)] = []
  private var skipOffset = -1
  private var skipEnd = 0
  private var blocksStart = 0
  private var blocksLength = 0

  /// Decodes skip entries up to block `b`.
  private func readSkips(through b: Int) throws {
    if b < skips.count { return }
    if skipOffset < 0 {
      var reader = ByteReader(bytes, range: start..<end, path: path)
      let tableLength = try reader.count(max: end - start)
      blocksLength = try reader.count(max: end - start)
      skipOffset = reader.offset
      skipEnd = reader.offset + tableLength
      blocksStart = skipEnd
      guard blocksStart + blocksLength <= end else { throw AISearchError.corrupt(path, "skip table runs past its term") }
    }
    var reader = ByteReader(bytes, range: skipOffset..<skipEnd, path: path)
    while skips.count <= b && skips.count < blockCount {
      let last = skips.last
      let lastDoc = UInt64(last?.lastDoc ?? 0) + (try reader.varint())
      let docStart = last.map { $0.nextDocStart } ?? blocksStart
      let positionsStart = last.map { $0.nextPositionsStart } ?? (blocksStart + blocksLength)
      let docLength = try reader.count(max: end - start)
      let positionsLength = try reader.count(max: end - start)
      let maxFreq = try reader.count(max: 1 << 24)
      let minRatio = try reader.count(max: 1 << 24)
      guard lastDoc < UInt64(docLimit), docStart + docLength <= end, positionsStart + positionsLength <= end else {
        throw AISearchError.corrupt(path, "skip entry out of range")
      }
      skips.append((UInt32(lastDoc), docStart + docLength, positionsStart + positionsLength, maxFreq, minRatio))
    }
    skipOffset = reader.offset
  }

  /// Where block `b`'s doc block and positions start.
  private func blockStarts(_ b: Int) throws -> (doc: Int, positions: Int) {
    try readSkips(through: b)
    return b == 0 ? (blocksStart, blocksStart + blocksLength) : (skips[b - 1].nextDocStart, skips[b - 1].nextPositionsStart)
  }

  /// The last passage id of block `b` (from the skip table), or UInt32.max without one.
  func lastDoc(ofBlock b: Int) throws -> UInt32 {
    guard hasSkipTable else { return .max }
    try readSkips(through: b)
    return skips[b].lastDoc
  }

  /// The block's bound data: its largest frequency (`Postings.maxFreqLimit` for any larger) and
  /// smallest length over frequency, in 1/`Postings.ratioScale`; nil without a skip table
  /// (one-block terms), where only the term-wide bound applies.
  func blockImpact(_ b: Int) throws -> (maxFreq: Int, minRatio: Int)? {
    guard hasSkipTable else { return nil }
    try readSkips(through: b)
    return (skips[b].maxFreq, skips[b].minRatio)
  }

  /// The block holding the current passage (-1 before the first `next`).
  var currentBlock: Int { block }

  /// The first block whose last passage is at least `target`, from `from` on; blockCount
  /// when there is none.
  func block(containing target: UInt32, from: Int) throws -> Int {
    guard hasSkipTable else { return from <= 0 ? 0 : blockCount }
    var b = max(0, from)
    while b < blockCount, try lastDoc(ofBlock: b) < target { b += 1 }
    return b
  }

  private func load(block b: Int) throws {
    let docOffset: Int
    if hasSkipTable {
      (docOffset, positionsOffset) = try blockStarts(b)
      previousBlockLastDoc = b == 0 ? 0 : try lastDoc(ofBlock: b - 1)
    } else {
      docOffset = start
    }
    count = b == blockCount - 1 ? docFreq - b * Postings.blockSize : Postings.blockSize
    var reader = ByteReader(bytes, range: docOffset..<end, path: path)
    if count == Postings.blockSize {
      let docBits = Int(try reader.u8())
      let docExceptions = Int(try reader.u8())
      let freqBits = Int(try reader.u8())
      guard docBits <= 32, freqBits <= 24, docExceptions < count else {
        throw AISearchError.corrupt(path, "bad bit width in a postings block")
      }
      docs[0] = UInt32(try reader.count(max: Int(UInt32.max)))
      let docBytes = Postings.packedSize(count - 1, bits: docBits)
      guard reader.offset + docBytes <= end else { throw AISearchError.corrupt(path, "postings block runs past its term") }
      PostingsCursor.unpack(bytes, into: docs, from: 1, count - 1, at: reader.offset, bits: docBits)
      reader.offset += docBytes
      try PostingsCursor.patch(docs + 1, count - 1, exceptions: docExceptions, bits: docBits, &reader)
      let freqBytes = Postings.packedSize(count, bits: freqBits)
      guard reader.offset + freqBytes <= end else { throw AISearchError.corrupt(path, "postings block runs past its term") }
      freqsOffset = reader.offset
      self.freqBits = freqBits
      freqsReady = false
      reader.offset += freqBytes
    } else {
      freqsReady = true
      for i in 0..<count {
        let code = try reader.varint()
        docs[i] = UInt32(truncatingIfNeeded: code >> 1)
        freqs[i] = code & 1 == 1 ? 1 : UInt32(try reader.count(max: 1 << 24))
        guard code >> 1 <= UInt64(UInt32.max), freqs[i] > 1 || code & 1 == 1 else {
          throw AISearchError.corrupt(path, "bad passage code in a postings block")
        }
      }
    }
    if !hasSkipTable { positionsOffset = reader.offset }
    // Deltas are at most 32 bits, so 128 of them cannot overflow the 64-bit sum; only the
    // very first passage of the list may have delta 0.
    var running = UInt64(b == 0 ? 0 : previousBlockLastDoc)
    var smallest = UInt32.max
    for i in 0..<count {
      let delta = docs[i]
      if i > 0 || b > 0 { smallest = min(smallest, delta) }
      running += UInt64(delta)
      docs[i] = UInt32(truncatingIfNeeded: running)
    }
    guard smallest > 0, running < UInt64(docLimit) else {
      throw AISearchError.corrupt(path, "passage id \(running) out of order or range")
    }
    block = b
    blockLastDoc = hasSkipTable ? try lastDoc(ofBlock: b) : .max
    index = -1
    positionsIndex = 0
  }

  /// Reads `n` packed values into `values[first...]`.
  private static func unpack(
    _ bytes: UnsafeRawBufferPointer, into values: UnsafeMutablePointer<UInt32>, from first: Int, _ n: Int, at offset: Int,
    bits: Int
  ) {
    guard bits > 0 else {
      for i in 0..<n { values[first + i] = 0 }
      return
    }
    let mask: UInt64 = bits == 32 ? 0xFFFF_FFFF : (1 << UInt64(bits)) - 1
    // Words may be read past the packed values as far as the mapping goes (the mask drops
    // what follows), so only the file's last bytes need the slow path.
    let limit = bytes.count
    if offset + (n * bits + 7) >> 3 + 8 <= limit, let base = bytes.baseAddress {
      // One copy of the loop per width, so that shifts and offsets are constants (block
      // decoding was an eighth of a query's instructions, mostly this loop).
      let source = base + offset
      let target = values + first
      switch bits {
      case 1: unpack(source, target, n, bits: 1)
      case 2: unpack(source, target, n, bits: 2)
      case 3: unpack(source, target, n, bits: 3)
      case 4: unpack(source, target, n, bits: 4)
      case 5: unpack(source, target, n, bits: 5)
      case 6: unpack(source, target, n, bits: 6)
      case 7: unpack(source, target, n, bits: 7)
      case 8: unpack(source, target, n, bits: 8)
      case 9: unpack(source, target, n, bits: 9)
      case 10: unpack(source, target, n, bits: 10)
      case 11: unpack(source, target, n, bits: 11)
      case 12: unpack(source, target, n, bits: 12)
      case 13: unpack(source, target, n, bits: 13)
      case 14: unpack(source, target, n, bits: 14)
      case 15: unpack(source, target, n, bits: 15)
      case 16: unpack(source, target, n, bits: 16)
      case 17: unpack(source, target, n, bits: 17)
      case 18: unpack(source, target, n, bits: 18)
      case 19: unpack(source, target, n, bits: 19)
      case 20: unpack(source, target, n, bits: 20)
      case 21: unpack(source, target, n, bits: 21)
      case 22: unpack(source, target, n, bits: 22)
      case 23: unpack(source, target, n, bits: 23)
      case 24: unpack(source, target, n, bits: 24)
      default: unpack(source, target, n, bits: bits)
      }
      return
    }
    for i in 0..<n {
      let bit = i * bits
      let byte = offset + bit >> 3
      var word: UInt64
      if byte + 8 <= limit {
        word = bytes.loadUnaligned(fromByteOffset: byte, as: UInt64.self).littleEndian
      } else {
        word = 0
        for k in 0..<(limit - byte) { word |= UInt64(bytes[byte + k]) << UInt64(8 * k) }
      }
      values[first + i] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
    }
  }

  /// Adds the high bits of `exceptions` values (read from `reader`: index gap, high bits)
  /// to the first `n` of `values`, unpacked at `bits` bits.
  private static func patch(
    _ values: UnsafeMutablePointer<UInt32>, _ n: Int, exceptions: Int, bits: Int, _ reader: inout ByteReader
  ) throws {
    var index = 0
    for e in 0..<exceptions {
      let gap = try reader.count(max: n)
      let high = try reader.varint()
      index += gap
      guard index < n, e == 0 || gap > 0, high > 0, bits + (64 - high.leadingZeroBitCount) <= 32 else {
        throw AISearchError.corrupt(reader.path, "bad exception in a postings block")
      }
      values[index] |= UInt32(truncatingIfNeeded: high << UInt64(bits))
    }
  }

  /// `n` values of `bits` bits from `source`, which may be read 8 bytes past them. Eight
  /// values take `bits` bytes, so with a constant width each of the eight is read at a
  /// constant offset and shift.
  @inline(__always)
  private static func unpack(_ source: UnsafeRawPointer, _ target: UnsafeMutablePointer<UInt32>, _ n: Int, bits: Int) {
    let mask: UInt64 = bits == 32 ? 0xFFFF_FFFF : (1 << UInt64(bits)) - 1
    var i = 0
    var group = source
    while i + 8 <= n {
      for j in 0..<8 {
        let bit = j * bits
        let word = (group + bit >> 3).loadUnaligned(as: UInt64.self).littleEndian
        target[i + j] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
      }
      group += bits
      i += 8
    }
    while i < n {
      let bit = i * bits
      let word = (source + bit >> 3).loadUnaligned(as: UInt64.self).littleEndian
      target[i] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
      i += 1
    }
  }

  /// Back to before the first passage. The skip entries decoded so far are kept: a new
  /// cursor would decode its table again from the start to reach a passage near the end.
  func rewind() {
    block = -1
    index = 0
    count = 0
    doc = 0
    blockLastDoc = .max
  }

  /// The current passage's frequency.
  var freq: Int {
    if !freqsReady { unpackFreqs() }
    return Int(freqs[index])
  }

  private func unpackFreqs() {
    PostingsCursor.unpack(bytes, into: freqs, from: 0, count, at: freqsOffset, bits: freqBits)
    for i in 0..<count { freqs[i] += 1 }
    freqsReady = true
  }

  /// The passage `n` places after the current one in the decoded block, or the block's
  /// last when fewer are left.
  @inline(__always)
  func doc(ahead n: Int) -> UInt32 {
    guard block >= 0, count > 0 else { return doc }
    return docs[min(index + n, count - 1)]
  }

  /// Moves to the next passage; false at the end of the list.
  func next() throws -> Bool {
    if block >= 0 && index + 1 < count {
      index += 1
    } else {
      guard block + 1 < blockCount else { return false }
      try load(block: block + 1)
      index = 0
    }
    doc = docs[index]
    return true
  }

  /// Moves to the first passage at or after `target` (not before the current one); false
  /// when there is none.
  func advance(to target: UInt32) throws -> Bool {
    if block >= 0 && index >= 0 && doc >= target { return true }
    if block < 0 || blockLastDoc < target {
      let b = try self.block(containing: target, from: block + 1)
      guard b < blockCount else {
        block = blockCount - 1
        index = count
        return false
      }
      if b != block { try load(block: b) }
    }
    // The block's last passage is at or after the target (or it is the only block), so
    // the target is found by scanning the decoded ids, not by stepping passage by passage.
    var i = index + 1
    while i < count && docs[i] < target { i += 1 }
    if i < count {
      index = i
      doc = docs[i]
      return true
    }
    index = count - 1
    while try next() {
      if doc >= target { return true }
    }
    return false
  }

  /// A full block's position deltas, unpacked on the first `positions()` in the block, and
  /// where each of its passages' deltas start.
  private var blockPositions: [UInt32] = []
  private var blockPositionStarts: [Int] = []
  private var blockPositionsLoaded = -1

  private func packedPositions() throws -> [Int32] {
    if blockPositionsLoaded != block {
      if !freqsReady { unpackFreqs() }
      var total = 0
      blockPositionStarts.removeAll(keepingCapacity: true)
      for i in 0..<count {
        blockPositionStarts.append(total)
        total += Int(freqs[i])
      }
      var reader = ByteReader(bytes, range: positionsOffset..<end, path: path)
      let bits = Int(try reader.u8())
      let exceptions = try reader.count(max: total)
      let size = Postings.packedSize(total, bits: bits)
      guard bits <= 32, reader.offset + size <= end else {
        throw AISearchError.corrupt(path, "positions run past their term")
      }
      if blockPositions.count < total { blockPositions = [UInt32](repeating: 0, count: total) }
      try blockPositions.withUnsafeMutableBufferPointer {
        PostingsCursor.unpack(bytes, into: $0.baseAddress!, from: 0, total, at: reader.offset, bits: bits)
        reader.offset += size
        try PostingsCursor.patch($0.baseAddress!, total, exceptions: exceptions, bits: bits, &reader)
      }
      blockPositionsLoaded = block
      lastPositionsEnd = reader.offset
    }
    var result: [Int32] = []
    result.reserveCapacity(freq)
    var position: Int32 = 0
    let first = blockPositionStarts[index]
    for k in first..<(first + freq) {
      position += Int32(truncatingIfNeeded: blockPositions[k])
      result.append(position)
    }
    return result
  }

  /// Where the last positions read end (for `readToEnd`).
  private var lastPositionsEnd = 0

  /// Whether every byte of the term's postings was read (after all positions were).
  var readToEnd: Bool { (count == Postings.blockSize ? lastPositionsEnd : positionsOffset) == end }

  /// The term's positions in the current passage (call at most once per passage).
  func positions() throws -> [Int32] {
    if count == Postings.blockSize { return try packedPositions() }
    var reader = ByteReader(bytes, range: positionsOffset..<end, path: path)
    // Skip the positions of the block's passages passed over since the last read.
    while positionsIndex < index {
      for _ in 0..<freqs[positionsIndex] { _ = try reader.varint() }
      positionsIndex += 1
    }
    var result: [Int32] = []
    result.reserveCapacity(freq)
    var position: Int32 = 0
    for _ in 0..<freq {
      position += Int32(truncatingIfNeeded: try reader.varint())
      result.append(position)
    }
    positionsOffset = reader.offset
    positionsIndex = index + 1
    return result
  }
}
