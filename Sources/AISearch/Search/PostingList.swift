/// One term's postings in one field of one segment, walked in passage order during
/// document-at-a-time scoring. `doc` is `UInt32.max` once the list is exhausted (or when
/// the segment lacks the term), so the smallest `doc` of a query's lists is the next
/// passage to score.
struct PostingList {
  private var cursor: PostingsCursor?
  private(set) var doc: UInt32 = .max
  private var cachedPositions: [Int32]?

  init(_ cursor: PostingsCursor?) throws {
    self.cursor = cursor
    try advance()
  }

  /// The term's occurrences in the current passage.
  var freq: Int { cursor?.freq ?? 0 }

  /// The list from its first passage again, over the same cursor (`PostingsCursor.rewind`).
  func rewound() throws -> PostingList {
    cursor?.rewind()
    return try PostingList(cursor)
  }

  /// The passage `n` places ahead in the current block (`PostingsCursor.doc(ahead:)`).
  @inline(__always)
  func doc(ahead n: Int) -> UInt32 { cursor?.doc(ahead: n) ?? doc }

  mutating func advance() throws {
    cachedPositions = nil
    if cursor != nil, try cursor!.next() {
      doc = cursor!.doc
    } else {
      cursor = nil
      doc = .max
    }
  }

  /// Moves to the first passage at or after `target`, skipping whole blocks.
  mutating func advance(to target: UInt32) throws {
    guard doc < target else { return }
    cachedPositions = nil
    if cursor != nil, try cursor!.advance(to: target) {
      doc = cursor!.doc
    } else {
      cursor = nil
      doc = .max
    }
  }

  /// What the list can say about passage `target` without decoding a block.
  enum Impact {
    /// The list cannot hold `target` (it is past it, or ends before it).
    case absent
    /// The list may hold it, with no bound but the term's own (no skip data).
    case unknown
    /// It may hold it in a block whose passages hold it at most `maxFreq` times, in fields
    /// of at least `minRatio` / `Postings.ratioScale` tokens per occurrence.
    case block(maxFreq: Int, minRatio: Int)
  }

  /// What the list holds from `target` on, up to the returned passage id: nothing (it
  /// ends, or its next passage comes later), a block with its bounds, or an unbounded
  /// single block.
  mutating func reach(at target: UInt32) throws -> (impact: Impact, until: UInt32) {
    guard cursor != nil else { return (.absent, .max) }
    if doc > target { return (.absent, doc - 1) }
    let b = try cursor!.block(containing: target, from: max(cursor!.currentBlock, 0))
    guard b < cursor!.blockCount else { return (.absent, .max) }
    guard let impact = try cursor!.blockImpact(b) else { return (.unknown, .max) }
    return (.block(maxFreq: impact.maxFreq, minRatio: impact.minRatio), try cursor!.lastDoc(ofBlock: b))
  }

  /// The term's positions in passage `at`, or none when the list is elsewhere.
  mutating func positions(at target: UInt32) throws -> [Int32] {
    guard doc == target, cursor != nil else { return [] }
    if let cachedPositions { return cachedPositions }
    let positions = try cursor!.positions()
    cachedPositions = positions
    return positions
  }
}
