import CPrefetch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The terms of lines already analyzed for indexing, shared by the analyzers of one
/// indexing run, so that a line seen before is copied instead of analyzed again.
///
/// A line's terms depend on the line alone: a line end is a word boundary whatever
/// surrounds it (UAX #29 WB3a/b), it ends a Han run and a hyphen chain, and normalization
/// works scalar by scalar. So a text's terms are its lines' terms one after the other, each
/// line's positions moved up by the positions the lines before it took
/// (`AnalysisState.analyzeLines`; `testLineCacheGivesTheAnalyzersTerms` compares both ways
/// on random texts). Documentation repeats whole lines: on the medium tier, which holds no
/// copies, 31% of the bytes of non-blank lines are in lines seen before (headings,
/// navigation, man-page section names, the English lines a zh_CN page shares with its
/// zh_TW twin); the large tier is the medium tier 41 times over. Only terms and positions
/// are kept: indexing needs no offsets.
///
/// A line is kept the second time it is analyzed: the first time only its hash is marked
/// in a bit set (a doorkeeper, as in TinyLFU), so lines that never repeat, most of a tree
/// without copies, take no room. Entries are written once, into an arena mapped without
/// reserving memory (pages are resident only once written) and published by an atomic
/// store into an open-addressing table, so lookups take no lock; inserts take one. When the
/// arena or the table is full, lines are still analyzed, and no longer kept.
///
/// Entry layout in the arena, 8-byte aligned, integers little-endian as the machine's:
///
///     LineLength u32, TokenCount u32, TermBytesLength u32, Positions u32,
///     LineBytes[LineLength], TermBytes[TermBytesLength], <ByteCount u16, Position u16>^TokenCount
///
/// Positions is how many positions the line takes; a token's Position is relative to the
/// line's first. A slot holds 0 (empty) or the entry's offset over 8, plus one, in its low
/// 40 bits and the top 24 bits of the line's hash above them. Example: the line `ab cd`,
/// first in the arena, is 5, 2, 4, 2, `ab cd`, `abcd`, (2, 0), (2, 1): 33 bytes, padded
/// to 40.
final class LineTokenCache: @unchecked Sendable {
  /// Lines longer than this many bytes are not kept: long lines seldom repeat.
  static let maxLineBytes = 4096

  /// Bytes of arena the cache may fill (0 when the arena could not be mapped: nothing is
  /// kept then).
  let capacity: Int
  private let arena: UnsafeMutableRawPointer
  private let mappedBytes: Int
  private let slots: UnsafeMutablePointer<Atomic<UInt64>>
  private let slotMask: Int
  /// Lines analyzed once, by hash (a false positive only keeps a line early).
  private let seen: UnsafeMutablePointer<Atomic<UInt64>>
  private static let seenWords = 1 << 19
  /// Bytes of the arena in use and entries published; changed only under the lock.
  private let state = Mutex<(used: Int, entries: Int)>((0, 0))
  private static let offsetBits: UInt64 = 40
  private static let offsetMask: UInt64 = (1 << 40) - 1

  /// A cache of at most `capacity` bytes (rounded up to a page).
  init(capacity: Int) {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let size = max(page, (capacity + page - 1) / page * page)
    let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
    if let mapped, mapped != MAP_FAILED {
      HugePages.advise(UnsafeMutableRawBufferPointer(start: mapped, count: size))
      arena = mapped
      mappedBytes = size
      self.capacity = size
    } else {
      // Without its arena the cache keeps nothing, and every line is analyzed.
      arena = .allocate(byteCount: 8, alignment: 8)
      mappedBytes = 0
      self.capacity = 0
    }
    // An entry takes about 240 bytes on the large tier; a table at most half full.
    var count = 1024
    while count * 64 < size { count *= 2 }
    slots = .allocate(capacity: count)
    HugePages.advise(UnsafeMutableRawBufferPointer(start: slots, count: count * MemoryLayout<Atomic<UInt64>>.stride))
    for i in 0..<count { (slots + i).initialize(to: Atomic(0)) }
    slotMask = count - 1
    seen = .allocate(capacity: LineTokenCache.seenWords)
    for i in 0..<LineTokenCache.seenWords { (seen + i).initialize(to: Atomic(0)) }
  }

  deinit {
    if mappedBytes > 0 { munmap(arena, mappedBytes) } else { arena.deallocate() }
    slots.deinitialize(count: slotMask + 1)
    slots.deallocate()
    seen.deinitialize(count: LineTokenCache.seenWords)
    seen.deallocate()
  }

  /// Bytes of the arena in use.
  var usedBytes: Int { state.withLock { $0.used } }
  /// Lines kept.
  var entryCount: Int { state.withLock { $0.entries } }

  /// A 64-bit hash of a line's bytes, eight at a time.
  static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
    var i = 0
    while i + 8 <= bytes.count {
      hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
      hash ^= hash >> 29
      i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < bytes.count {
      tail |= UInt64(bytes[i]) << shift
      shift += 8
      i += 1
    }
    hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
    return hash ^ (hash >> 32)
  }

  /// A kept line's entry.
  struct Entry {
    let base: UnsafeRawPointer

    var lineLength: Int { Int(base.loadUnaligned(as: UInt32.self)) }
    var tokenCount: Int { Int(base.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) }
    var termBytesLength: Int { Int(base.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
    /// Positions the line takes.
    var positions: Int32 { Int32(base.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) }
    var termBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + 16 + lineLength, count: termBytesLength) }
    /// Token i's byte count and position (relative to the line's first).
    func token(_ i: Int) -> (byteCount: Int, position: Int32) {
      let at = 16 + lineLength + termBytesLength + 4 * i
      return (
        Int(base.loadUnaligned(fromByteOffset: at, as: UInt16.self)),
        Int32(base.loadUnaligned(fromByteOffset: at + 2, as: UInt16.self))
      )
    }
  }

  /// Asks for the slot a line hashed `hash` is looked up in first.
  @inline(__always)
  func prefetchSlot(hash: UInt64) {
    aisearch_prefetch(slots + (Int(truncatingIfNeeded: hash) & slotMask))
  }

  /// Asks for the entry in that slot, if any (the slot itself should have been asked for).
  @inline(__always)
  func prefetchEntry(hash: UInt64) {
    let value = slots[Int(truncatingIfNeeded: hash) & slotMask].load(ordering: .acquiring)
    guard value != 0, value >> LineTokenCache.offsetBits == hash >> LineTokenCache.offsetBits else { return }
    aisearch_prefetch(entryBase(value))
  }

  /// Where the entry a slot's `value` points to starts in the arena.
  @inline(__always)
  private func entryBase(_ value: UInt64) -> UnsafeMutableRawPointer {
    arena + Int((value & LineTokenCache.offsetMask) - 1) * 8
  }

  /// The entry of `line` (hashed `hash`), or nil.
  func entry(_ line: UnsafeRawBufferPointer, hash: UInt64) -> Entry? {
    probe(line, hash: hash).entry
  }

  /// The slot holding `line`'s entry and the entry, or the empty slot where it would go.
  private func probe(_ line: UnsafeRawBufferPointer, hash: UInt64) -> (slot: Int, entry: Entry?) {
    let tag = hash >> LineTokenCache.offsetBits
    var slot = Int(truncatingIfNeeded: hash) & slotMask
    while true {
      let value = slots[slot].load(ordering: .acquiring)
      if value == 0 { return (slot, nil) }
      if value >> LineTokenCache.offsetBits == tag {
        let entry = Entry(base: UnsafeRawPointer(entryBase(value)))
        if entry.lineLength == line.count && (line.isEmpty || memcmp(entry.base + 16, line.baseAddress!, line.count) == 0) {
          return (slot, entry)
        }
      }
      slot = (slot + 1) & slotMask
    }
  }

  /// Keeps `line`'s terms: `tokens` of `list`, whose positions start at `base` and take
  /// `positions` positions. Does nothing the first time a line is offered, when it is kept
  /// already, does not fit the layout, or the cache is full.
  func insert(
    _ line: UnsafeRawBufferPointer, hash: UInt64, list: TermList, tokens: Range<Int>, positions: Int32, base: Int32
  ) {
    guard line.count <= LineTokenCache.maxLineBytes, positions >= 0, positions <= Int32(UInt16.max) else { return }
    // The doorkeeper: a line seen for the first time is only marked.
    let bit = Int(truncatingIfNeeded: hash >> 20) & (LineTokenCache.seenWords * 64 - 1)
    let mask: UInt64 = 1 << UInt64(bit & 63)
    guard seen[bit >> 6].bitwiseOr(mask, ordering: .relaxed).oldValue & mask != 0 else { return }
    var termBytes = 0
    for i in tokens {
      let entry = list.entries[i]
      let position = entry.position - base
      guard entry.byteCount <= Int32(UInt16.max), position >= 0, position <= Int32(UInt16.max) else { return }
      termBytes += Int(entry.byteCount)
    }
    let size = (16 + line.count + termBytes + 4 * tokens.count + 7) & ~7
    state.withLock { state in
      guard state.used + size <= capacity, 2 * (state.entries + 1) <= slotMask + 1 else { return }
      // Only inserts write slots, and they hold the lock: the empty slot stays empty.
      let (slot, kept) = probe(line, hash: hash)
      if kept != nil { return }
      let at = arena + state.used
      at.storeBytes(of: UInt32(line.count), as: UInt32.self)
      at.storeBytes(of: UInt32(tokens.count), toByteOffset: 4, as: UInt32.self)
      at.storeBytes(of: UInt32(termBytes), toByteOffset: 8, as: UInt32.self)
      at.storeBytes(of: UInt32(positions), toByteOffset: 12, as: UInt32.self)
      if !line.isEmpty { (at + 16).copyMemory(from: line.baseAddress!, byteCount: line.count) }
      var byte = 16 + line.count
      var token = byte + termBytes
      list.bytes.withUnsafeBytes { bytes in
        for i in tokens {
          let entry = list.entries[i]
          (at + byte).copyMemory(from: bytes.baseAddress! + Int(entry.byteStart), byteCount: Int(entry.byteCount))
          byte += Int(entry.byteCount)
          (at + token).storeBytes(of: UInt16(entry.byteCount), as: UInt16.self)
          (at + token + 2).storeBytes(of: UInt16(entry.position - base), as: UInt16.self)
          token += 4
        }
      }
      let value = hash & ~LineTokenCache.offsetMask | UInt64(state.used / 8 + 1)
      state.used += size
      state.entries += 1
      slots[slot].store(value, ordering: .releasing)
    }
  }
}
