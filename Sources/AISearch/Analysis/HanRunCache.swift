import Glibc

/// ICU's word segments of runs of Han characters already seen, so that ICU's dictionary does
/// not divide the same run twice.
///
/// ICU divides a run of Han characters with its dictionary on its own: the run's segments
/// depend on the run's text alone when the characters around it cannot join it (ASCII other
/// than `_`, CJK and general punctuation: `isHardNeighbour`). Such a run repeats often in a
/// documentation tree (headings, menu names, phrases such as 相关主题 or 单击确定): on the
/// medium tier, which holds no copies, 38% of the Han characters lie in runs seen before.
/// The analyzer hands ICU each known run as one Han character, which ICU segments as one
/// word with the same boundaries on both sides, and puts the run's known segments in its
/// place. The tokens are the same with or without the cache (`testCachedRunsGiveICUsSegments`,
/// and every medium-tier index file byte for byte).
struct HanRunCache {
  /// Runs longer than this are not kept: long runs seldom repeat.
  static let maxRunLength = 48
  /// By default at most this many units of run text are kept, per analyzer: with their
  /// segments and the table about 5 bytes a unit (12 if every run were two characters). The
  /// medium tier's distinct runs hold 2.4 million units; two analyzers' caches added 13 MB to
  /// its build's peak memory.
  static let defaultCapacity = 4 << 20

  /// The most units of run text kept (0: the cache is off).
  let capacity: Int

  init(capacity: Int = HanRunCache.defaultCapacity) {
    self.capacity = capacity
  }

  /// Run i's text is `keys[keyStarts[i]..<keyStarts[i + 1]]`, its segments
  /// `segments[segmentStarts[i]..<segmentStarts[i + 1]]`: each its end relative to the run's
  /// start (6 bits: runs are at most 48 long) and ICU's rule status (10 bits, below 500).
  private var keys: [UInt16] = []
  private var keyStarts: [Int32] = [0]
  private var segments: [UInt16] = []
  private var segmentStarts: [Int32] = [0]
  /// Run indices by hash, open addressing; -1 is empty.
  private var slots = [Int32](repeating: -1, count: 1 << 10)

  var isFull: Bool { keys.count >= capacity }

  /// Whether ICU keeps a boundary between a Han character and `unit` on either side.
  static func isHardNeighbour(_ unit: UInt16) -> Bool {
    switch unit {
    case 0x00...0x5E, 0x60...0x7F, 0x00B7, 0x2010...0x2027, 0x3001...0x3004, 0x3008...0x3011, 0x3014...0x301F:
      return true
    default:
      return false
    }
  }

  /// A Han character of the BMP (surrogate pairs are not cached).
  static func isHan(_ unit: UInt16) -> Bool { (0x4E00...0x9FFF).contains(unit) || (0x3400...0x4DBF).contains(unit) }

  private static func hash<Run: Sequence<UInt16>>(_ run: Run) -> Int {
    var hash: UInt32 = 0x811C_9DC5
    for unit in run { hash = (hash ^ UInt32(unit)) &* 0x0100_0193 }
    return Int(hash)
  }

  private func key(_ i: Int) -> ArraySlice<UInt16> { keys[Int(keyStarts[i])..<Int(keyStarts[i + 1])] }

  /// The slot holding `run`, or the empty slot where it would go.
  private func slot(of run: UnsafeBufferPointer<UInt16>) -> Int {
    let mask = slots.count - 1
    var slot = HanRunCache.hash(run) & mask
    return slots.withUnsafeBufferPointer { slots in
      keyStarts.withUnsafeBufferPointer { keyStarts in
        keys.withUnsafeBufferPointer { keys in
          while slots[slot] >= 0 {
            let i = Int(slots[slot])
            let start = Int(keyStarts[i])
            if Int(keyStarts[i + 1]) - start == run.count
              && memcmp(keys.baseAddress! + start, run.baseAddress!, run.count * 2) == 0
            {
              return slot
            }
            slot = (slot + 1) & mask
          }
          return slot
        }
      }
    }
  }

  /// The index of `run` among the runs kept, or nil.
  func index(of run: UnsafeBufferPointer<UInt16>) -> Int? {
    let i = Int(slots[slot(of: run)])
    return i < 0 ? nil : i
  }

  /// The segments of run `index` (relative end | status << 6).
  func segments(ofRun index: Int) -> ArraySlice<UInt16> {
    segments[Int(segmentStarts[index])..<Int(segmentStarts[index + 1])]
  }

  /// Keeps `run`'s segments, given as absolute ends (`ends`, from `runStart`) and statuses.
  mutating func insert(
    _ run: UnsafeBufferPointer<UInt16>, runStart: Int, ends: UnsafeBufferPointer<Int32>,
    statuses: UnsafeBufferPointer<Int32>
  ) {
    if isFull || run.count > HanRunCache.maxRunLength || statuses.contains(where: { $0 < 0 || $0 >= 1024 }) { return }
    let slot = slot(of: run)
    if slots[slot] >= 0 { return }
    slots[slot] = Int32(keyStarts.count - 1)
    keys.append(contentsOf: run)
    keyStarts.append(Int32(keys.count))
    for (end, status) in zip(ends, statuses) { segments.append(UInt16(Int(end) - runStart) | UInt16(status) << 6) }
    segmentStarts.append(Int32(segments.count))
    if keyStarts.count * 2 > slots.count { grow() }
  }

  private mutating func grow() {
    slots = [Int32](repeating: -1, count: slots.count * 2)
    let mask = slots.count - 1
    for i in 0..<(keyStarts.count - 1) {
      var slot = HanRunCache.hash(key(i)) & mask
      while slots[slot] >= 0 { slot = (slot + 1) & mask }
      slots[slot] = Int32(i)
    }
  }
}
