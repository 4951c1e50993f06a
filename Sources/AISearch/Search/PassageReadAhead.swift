import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The stored passages of ranked candidates, each read by whichever of a query's threads
/// claims it first: the searcher's thread as it comes to it (`passage`), or a helper thread
/// ahead of it (`readNext`), so that a block's decompression (10–15 µs, 30 of them at the
/// median query of the large tier) overlaps the searcher's work on the passages before.
/// The searcher never waits for more than the one passage the helper is reading.
///
/// With a passage comes what the searcher's copy test needs of every passage: its character
/// pairs and script (`Copies.sketch`); and, when the helper read it, its term set
/// (`Analyzer.fingerprint`) if it may be a copy of a hit, which only an earlier candidate
/// can be (`mayNeedTerms`).
final class PassageReadAhead {
  private let entries: [(store: PassageStore.Reader, passage: Int)]
  private let folding: HanFolding
  private let blocks: SharedBlocks
  private let passages: Slots<Result<Fetched, Error>>
  /// Per entry: 0 unclaimed, 1 being read, 2 read.
  private let states: UnsafeMutablePointer<Atomic<Int>>
  private let finished = Atomic<Bool>(false)
  /// The entry the searcher last asked for, -1 before the first: every entry before it is
  /// decided (a hit, a copy or passed over).
  private let asked = Atomic<Int>(-1)
  /// The entries the searcher made hits, in order (`addHit`).
  private let hitEntries: PublishedList<Int>
  /// The next entry the helper considers (the helper's alone).
  private var next = 0
  /// How far the helper may run ahead of the searcher.
  static let window = 16

  /// A candidate's stored passage, its character pairs and script, and its term set when
  /// it was read ahead and resembles a candidate before it.
  struct Fetched {
    var passage: PassageStore.StoredPassage
    var pairs: [UInt64]
    var traditional: Bool
    var terms: [UInt64]?
  }

  static let unclaimed = 0
  static let reading = 1
  static let read = 2

  init(_ entries: [(store: PassageStore.Reader, passage: Int)], folding: HanFolding, blocks: SharedBlocks) throws {
    self.entries = entries
    self.folding = folding
    self.blocks = blocks
    for entry in entries { try entry.store.prepareDictionary() }
    passages = Slots(entries.count)
    states = .allocate(capacity: entries.count)
    for i in entries.indices { (states + i).initialize(to: Atomic(PassageReadAhead.unclaimed)) }
    hitEntries = PublishedList(capacity: entries.count)
  }

  deinit {
    states.deinitialize(count: entries.count)
    states.deallocate()
  }

  /// The helper's step: reads the next unclaimed passage within `window` of the searcher.
  /// Returns false when there is none to read now.
  func readNext(analyzer: Analyzer) -> Bool {
    guard next < entries.count, !finished.load(ordering: .relaxed) else { return false }
    let i = next
    let last = asked.load(ordering: .acquiring)
    guard last >= 0, i - last <= PassageReadAhead.window else { return false }
    next += 1
    // The searcher is on the entry before: it would wait for this one, while it could read
    // it itself as the helper reads the next.
    if last == i - 1 { return true }
    guard claim(i) else { return true }
    passages[i] = Result {
      var fetched = try fetch(i)
      if mayNeedTerms(fetched, i) { fetched.terms = try analyzer.fingerprint(fetched.passage.text) }
      return fetched
    }
    states[i].store(PassageReadAhead.read, ordering: .releasing)
    return true
  }

  private func fetch(_ i: Int) throws -> Fetched {
    let passage = try entries[i].store.passage(sharing: entries[i].passage, blocks: blocks)
    let sketch = Copies.sketch(passage.text, folding: folding)
    return Fetched(passage: passage, pairs: sketch.pairs, traditional: sketch.traditional, terms: nil)
  }

  /// Whether entry `i`'s term set may be needed: when it resembles a hit (the searcher's
  /// prefilter), which is an earlier entry, either one the searcher made a hit or one it
  /// has not decided yet (those not read yet count as resembling it).
  private func mayNeedTerms(_ fetched: Fetched, _ i: Int) -> Bool {
    // Read in this order, the hits cover every entry before `decided`.
    let decided = asked.load(ordering: .acquiring)
    let hits = hitEntries.count
    func resembles(_ j: Int) -> Bool {
      guard states[j].load(ordering: .acquiring) == PassageReadAhead.read, case .success(let other)? = passages[j]
      else { return true }
      return other.traditional == fetched.traditional
        && Copies.pairJaccard(other.pairs, fetched.pairs) >= Copies.pairPrefilter
    }
    // The searcher may have moved past `i` (after the k-th hit it skips candidates).
    return (0..<hits).contains { resembles(hitEntries[$0]) } || (min(max(decided, 0), i)..<i).contains(where: resembles)
  }

  /// Entry `i`'s passage, read here unless the helper has claimed it.
  func passage(_ i: Int) throws -> Fetched {
    asked.store(i, ordering: .releasing)
    if claim(i) {
      // Kept for the helper's `mayNeedTerms`.
      let fetched = Result { try fetch(i) }
      passages[i] = fetched
      states[i].store(PassageReadAhead.read, ordering: .releasing)
      return try fetched.get()
    }
    // The helper is reading it: a few microseconds, unless it lost its core, when the
    // wait lets it have this one.
    var spins = 0
    while states[i].load(ordering: .acquiring) != PassageReadAhead.read {
      spins += 1
      if spins > 2_000 { sched_yield() }
    }
    return try passages[i]!.get()
  }

  /// Tells the helper that the searcher made entry `i` a hit (before it asks for the next).
  func addHit(_ i: Int) {
    hitEntries.append(i)
  }

  /// Tells the helper to stop reading.
  func finish() {
    finished.store(true, ordering: .relaxed)
  }

  private func claim(_ i: Int) -> Bool {
    states[i].compareExchange(expected: PassageReadAhead.unclaimed, desired: PassageReadAhead.reading, ordering: .acquiringAndReleasing)
      .exchanged
  }
}
