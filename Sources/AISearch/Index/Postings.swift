/// Postings: for every term, the passages that hold it, how often, and at which positions.
///
///     Postings file --> Header "POST", <TermPostings>^TermCount, Footer
///     TermPostings  --> <DocCode varint, Freq varint?, <PositionDelta varint>^Freq>^DocFreq
///
/// DocCode is the doc delta shifted left by one, its low bit set when Freq is 1 (then Freq is
/// not written), as Lucene codes it: most terms occur once in a passage, so this saves a
/// byte per posting. The doc delta is the passage id minus the previous passage id of the
/// same term (the first is the id itself); positions are deltas from the previous position
/// in the same passage (the first is absolute). Where a term's bytes start and end is in
/// the term dictionary.
///
/// Example: a term at position 3 of passage 7 and at positions 0, 4, 9 of passage 11 is
/// the bytes 0F 03 | 08 03 00 04 05 (Lucene's "15, 8, 3" example, with positions).
struct PostingsEncoder {
  private(set) var writer = ByteWriter()
  private(set) var docFreq = 0
  private var lastDoc: UInt32 = 0

  var bytes: [UInt8] { writer.bytes }

  /// Adds one passage; ids must increase, positions must be ascending.
  mutating func add(doc: UInt32, positions: [Int32]) {
    let delta = UInt64(doc - lastDoc)
    if positions.count == 1 {
      writer.varint(delta << 1 | 1)
    } else {
      writer.varint(delta << 1)
      writer.varint(positions.count)
    }
    var previous: Int32 = 0
    for position in positions {
      writer.varint(UInt64(position - previous))
      previous = position
    }
    lastDoc = doc
    docFreq += 1
  }
}

/// Walks one term's postings in a mapped postings file.
struct PostingsCursor {
  private var reader: ByteReader
  private let docLimit: UInt32
  private(set) var doc: UInt32 = 0
  private(set) var freq: Int = 0
  private var remainingPositions = 0
  private var position: Int32 = 0
  private var started = false

  init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>, docLimit: UInt32, path: String) {
    reader = ByteReader(bytes, range: range, path: path)
    self.docLimit = docLimit
  }

  /// Moves to the next passage; false at the end of the list. Positions not read are skipped.
  mutating func next() throws -> Bool {
    while remainingPositions > 0 { _ = try reader.varint(); remainingPositions -= 1 }
    if reader.isAtEnd { return false }
    let code = try reader.varint()
    let delta = code >> 1
    let nextDoc = UInt64(started ? doc : 0) + delta
    guard (started ? delta > 0 : true), nextDoc < UInt64(docLimit) else {
      throw AISearchError.corrupt(reader.path, "passage id \(nextDoc) out of order or range")
    }
    started = true
    doc = UInt32(nextDoc)
    freq = code & 1 == 1 ? 1 : try reader.count(max: 1 << 24)
    guard freq > 1 || (freq == 1 && code & 1 == 1) else {
      throw AISearchError.corrupt(reader.path, "term frequency \(freq) written out")
    }
    remainingPositions = freq
    position = 0
    return true
  }

  /// The positions of the term in the current passage (call at most once per passage).
  mutating func positions() throws -> [Int32] {
    var result: [Int32] = []
    result.reserveCapacity(remainingPositions)
    while remainingPositions > 0 {
      position += Int32(truncatingIfNeeded: try reader.varint())
      result.append(position)
      remainingPositions -= 1
    }
    return result
  }
}
