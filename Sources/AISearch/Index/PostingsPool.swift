import CPrefetch

/// Every term's postings of a segment being built, as varint streams (DocDelta, Freq,
/// PositionDeltas per passage, as `PostingsEncoder` writes them) in one pool of memory,
/// instead of a growing array per term.
///
/// A term's stream is a chain of slices in the pool (Lucene's ByteBlockPool scheme): its
/// first slice holds 8 bytes, each next one twice as many up to 4 KiB, and the last 4
/// bytes of a full slice hold where the next one starts. Most terms occur a few times, so
/// most take 8 or 24 bytes and no allocation of their own; appending is a bounds check
/// and a store. Memory is allocated in 1 MiB pages that never move, so growing the pool
/// copies nothing.
final class PostingsPool {
  private static let pageBits = 20
  private static let pageSize = 1 << pageBits
  private static let firstSlice = 8
  private static let largestSlice = 4096

  private var pages: [UnsafeMutablePointer<UInt8>] = []
  /// Where the pages come from: huge-page mappings of `pagesPerMapping` pages each
  /// (`HugePages`), or pages of their own when a mapping failed.
  private var mappings: [UnsafeMutableRawPointer] = []
  private var ownPages: [UnsafeMutablePointer<UInt8>] = []
  private static let pagesPerMapping = max(1, HugePages.size / pageSize)
  /// The pages of the last mapping not yet in use, the next one last.
  private var sparePages: [UnsafeMutablePointer<UInt8>] = []
  /// The next free pool address.
  private var free = 0

  /// Per term: where its stream starts, the next byte to write, the end of its current
  /// slice (its last 4 bytes excluded), that slice's size, the last passage added and how
  /// many. One record, so that adding to a term touches one cache line of this table.
  private struct Term {
    var start: Int
    var upto: Int
    var sliceEnd: Int
    var sliceSize: Int32
    var lastDoc: UInt32
    var docFreq: UInt32
  }
  /// Memory of its own, not an array: every write to an array held by a class checked that
  /// the array was not shared (2% of a large build's samples).
  private var table = UnsafeMutablePointer<Term>.allocate(capacity: 1024)
  private var tableCapacity = 1024
  /// Whether `table` is a `HugePages` mapping (it is once it is large).
  private var tableMapped = false
  private var termCount = 0

  init() {}

  deinit {
    for mapping in mappings { HugePages.deallocate(mapping, PostingsPool.pagesPerMapping * PostingsPool.pageSize) }
    for page in ownPages { page.deallocate() }
    freeTable()
  }

  private func freeTable() {
    if tableMapped {
      HugePages.deallocate(UnsafeMutableRawPointer(table), tableCapacity * MemoryLayout<Term>.stride)
    } else {
      table.deallocate()
    }
  }

  /// Memory held: the pages and the per-term table.
  var estimatedBytes: Int { pages.count * PostingsPool.pageSize + grownCapacity(termCount) * MemoryLayout<Term>.stride }

  func docFreq(_ t: Int) -> Int { Int(table[t].docFreq) }

  /// Starts the stream of a new term; returns its id (ids are consecutive from 0).
  func addTerm() -> Int {
    let start = allocate(PostingsPool.firstSlice)
    if termCount == tableCapacity {
      let capacity = 2 * tableCapacity
      let bytes = capacity * MemoryLayout<Term>.stride
      var grown: UnsafeMutablePointer<Term>
      var mapped = false
      if bytes >= 2 * HugePages.size, let mapping = HugePages.allocate(bytes) {
        grown = mapping.bindMemory(to: Term.self, capacity: capacity)
        mapped = true
      } else {
        grown = UnsafeMutablePointer<Term>.allocate(capacity: capacity)
      }
      grown.moveInitialize(from: table, count: termCount)
      freeTable()
      table = grown
      tableCapacity = capacity
      tableMapped = mapped
    }
    (table + termCount).initialize(
      to: Term(
        start: start, upto: start, sliceEnd: start + PostingsPool.firstSlice - 4, sliceSize: Int32(PostingsPool.firstSlice),
        lastDoc: 0, docFreq: 0))
    termCount += 1
    return termCount - 1
  }

  /// Asks for term `t`'s record.
  @inline(__always)
  func prefetch(term t: Int) {
    aisearch_prefetch(table + t)
  }

  /// Asks for the first bytes of term `t`'s stream (its record should be at hand).
  @inline(__always)
  func prefetchStream(term t: Int) {
    let start = table[t].start
    aisearch_prefetch(pages[start >> PostingsPool.pageBits] + (start & (PostingsPool.pageSize - 1)))
  }

  /// Asks for the byte term `t`'s stream goes on at (its record should be at hand).
  @inline(__always)
  func prefetchTail(term t: Int) {
    let upto = table[t].upto
    aisearch_prefetch(pages[upto >> PostingsPool.pageBits] + (upto & (PostingsPool.pageSize - 1)))
  }

  /// Adds `count` passages to term `t`, the first `firstDoc` (after every passage it holds),
  /// the last `lastDoc`: `stream` is their postings in this layout without the first
  /// passage's delta, which depends on what the term held before.
  func append(term t: Int, firstDoc: UInt32, lastDoc: UInt32, count: UInt32, stream: UnsafeBufferPointer<UInt8>) {
    var upto = table[t].upto
    var end = table[t].sliceEnd
    var v = firstDoc - table[t].lastDoc
    while true {
      if upto == end { (upto, end) = nextSlice(t, at: upto) }
      let more = v >= 0x80
      pages[upto >> PostingsPool.pageBits][upto & (PostingsPool.pageSize - 1)] = UInt8(truncatingIfNeeded: v) | (more ? 0x80 : 0)
      upto += 1
      v >>= 7
      if !more { break }
    }
    var done = 0
    while done < stream.count {
      if upto == end { (upto, end) = nextSlice(t, at: upto) }
      let n = min(stream.count - done, end - upto)
      (pages[upto >> PostingsPool.pageBits] + (upto & (PostingsPool.pageSize - 1))).update(
        from: stream.baseAddress! + done, count: n)
      upto += n
      done += n
    }
    table[t].upto = upto
    table[t].sliceEnd = end
    table[t].lastDoc = lastDoc
    table[t].docFreq += count
  }

  /// Ends the current slice of term `t` at `address` (its end): allocates the next one,
  /// links it from the last 4 bytes and returns where writing goes on, and its end.
  private func nextSlice(_ t: Int, at address: Int) -> (Int, Int) {
    let size = min(Int(table[t].sliceSize) * 2, PostingsPool.largestSlice)
    let next = allocate(size)
    var link = UInt32(truncatingIfNeeded: next >> 3)
    for k in 0..<4 {
      pages[(address + k) >> PostingsPool.pageBits][(address + k) & (PostingsPool.pageSize - 1)] = UInt8(truncatingIfNeeded: link)
      link >>= 8
    }
    table[t].sliceSize = Int32(size)
    return (next, next + size - 4)
  }

  /// `size` bytes inside one page, 8-byte aligned (links store addresses / 8, so 32 bits
  /// reach 32 GiB).
  private func allocate(_ size: Int) -> Int {
    let pageEnd = pages.count << PostingsPool.pageBits
    if free + size > pageEnd {
      free = pageEnd
      pages.append(newPage())
    }
    let address = free
    free = (free + size + 7) & ~7
    return address
  }

  /// A page: a share of a huge-page mapping.
  private func newPage() -> UnsafeMutablePointer<UInt8> {
    if let spare = sparePages.popLast() { return spare }
    let pages = PostingsPool.pagesPerMapping
    if let mapping = HugePages.allocate(pages * PostingsPool.pageSize) {
      mappings.append(mapping)
      let first = mapping.bindMemory(to: UInt8.self, capacity: pages * PostingsPool.pageSize)
      sparePages = (1..<pages).reversed().map { first + $0 * PostingsPool.pageSize }
      return first
    }
    let page = UnsafeMutablePointer<UInt8>.allocate(capacity: PostingsPool.pageSize)
    ownPages.append(page)
    return page
  }

  /// Huge-page mappings the pages come from, and whether the term records are in one
  /// (for tests).
  var hugePageMappings: Int { mappings.count }
  var recordsAreMapped: Bool { tableMapped }

  /// Term `t`'s passages, frequencies and position deltas (each passage's first position
  /// absolute), as flat arrays, into the given buffers (emptied first).
  ///
  /// Decoded from a pointer into the current slice, not through the page table byte by
  /// byte: reading the streams was 4% of a large build's samples that way.
  func read(term t: Int, docs: inout [UInt32], freqs: inout [UInt32], positionDeltas: inout [UInt32]) {
    docs.removeAll(keepingCapacity: true)
    freqs.removeAll(keepingCapacity: true)
    positionDeltas.removeAll(keepingCapacity: true)
    let pageMask = PostingsPool.pageSize - 1
    var address = table[t].start
    var size = PostingsPool.firstSlice
    let stop = table[t].upto
    // The readable bytes of the current slice: [cursor, limit); its link follows `limit`
    // unless the stream ends in it.
    var limit = min(address + size - 4, stop)
    var page = pages[address >> PostingsPool.pageBits]
    var cursor = page + (address & pageMask)
    var remaining = limit - address
    @inline(__always) func byte() -> UInt8 {
      if remaining == 0 {
        // At a full slice's end: its last 4 bytes link to the next slice.
        let link = Int(cursor[0]) | Int(cursor[1]) << 8 | Int(cursor[2]) << 16 | Int(cursor[3]) << 24
        size = min(size * 2, PostingsPool.largestSlice)
        address = link << 3
        limit = min(address + size - 4, stop)
        page = pages[address >> PostingsPool.pageBits]
        cursor = page + (address & pageMask)
        remaining = limit - address
      }
      let value = cursor.pointee
      cursor += 1
      remaining -= 1
      return value
    }
    @inline(__always) func varint() -> UInt32 {
      var value: UInt32 = 0
      var shift: UInt32 = 0
      while true {
        let b = byte()
        value |= UInt32(b & 0x7F) << shift
        if b < 0x80 { return value }
        shift += 7
      }
    }
    let docFreq = Int(table[t].docFreq)
    docs.reserveCapacity(docFreq)
    freqs.reserveCapacity(docFreq)
    var doc: UInt32 = 0
    for _ in 0..<docFreq {
      doc &+= varint()
      let count = varint()
      docs.append(doc)
      freqs.append(count)
      for _ in 0..<count { positionDeltas.append(varint()) }
    }
  }
}
