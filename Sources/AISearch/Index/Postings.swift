/// Postings: for every term, the passages that hold it, how often, and at which positions.
///
///     Postings file --> Header "POST", <TermPostings>^TermCount, Footer
///     TermPostings  --> <DocDelta varint, Freq varint, <PositionDelta varint>^Freq>^DocFreq
///
/// DocDelta is the passage id minus the previous passage id of the same term (the first is
/// the id itself); positions are deltas from the previous position in the same passage (the
/// first is absolute). Where a term's bytes start and end is in the term dictionary.
///
/// Example: a term at position 3 of passage 7 and at positions 0, 4, 9 of passage 11 is
/// the bytes 07 01 03 | 04 03 00 04 05.
struct PostingsEncoder {
  private(set) var writer = ByteWriter()
  private(set) var docFreq = 0
  private var lastDoc: UInt32 = 0

  var bytes: [UInt8] { writer.bytes }

  /// Adds one passage; ids must increase, positions must be ascending.
  mutating func add(doc: UInt32, positions: [Int32]) {
    writer.varint(UInt64(doc - lastDoc))
    writer.varint(positions.count)
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
    let delta = try reader.varint()
    let nextDoc = UInt64(started ? doc : 0) + delta
    guard (started ? delta > 0 : true), nextDoc < UInt64(docLimit) else {
      throw AISearchError.corrupt(reader.path, "passage id \(nextDoc) out of order or range")
    }
    started = true
    doc = UInt32(nextDoc)
    freq = try reader.count(max: 1 << 24)
    guard freq > 0 else { throw AISearchError.corrupt(reader.path, "zero term frequency") }
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
