import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The stored passages of ranked candidates, read in rank order by a second thread while
/// the searcher makes hits of the ones before: a block's decompression (10–15 µs, 30 of
/// them at the median query of the large tier) then overlaps the work on the previous hit.
/// The passage's character pairs (`Copies.characterPairs`, which every passage not a hit's
/// exact copy needs) and its script (`Copies.writtenInTraditional`) are taken by the same
/// thread: the searcher's share of the work was three times the helper's.
///
/// Each passage is read by whichever thread claims it first, so the searcher never waits
/// for more than the one passage the helper is reading. The helper may read passages the
/// searcher will pass over (the candidates after the k-th hit that cite no copy), at most
/// `window` ahead; it stops as soon as the searcher has finished.
final class PassageReadAhead {
  private let entries: [(store: PassageStore.Reader, passage: Int)]
  private let folding: HanFolding
  private let passages: UnsafeMutableBufferPointer<Result<Fetched, Error>?>
  /// Per entry: 0 unclaimed, 1 being read, 2 read.
  private let states: UnsafeMutablePointer<Atomic<Int>>
  private let finished = Atomic<Bool>(false)
  /// The entry the searcher last asked for, -1 before the first.
  private let asked = Atomic<Int>(-1)
  /// How far the helper may run ahead of the searcher. Before the searcher's first request
  /// the helper reads no further and stops rather than wait: the searcher may not be
  /// coming (`QueryThreads` runs a job it found no thread for after the caller's).
  static let window = 16

  /// A candidate's stored passage, its character pairs and its script.
  struct Fetched {
    var passage: PassageStore.StoredPassage
    var pairs: [UInt64]
    var traditional: Bool
  }

  static let unclaimed = 0
  static let reading = 1
  static let read = 2

  init(_ entries: [(store: PassageStore.Reader, passage: Int)], folding: HanFolding) throws {
    self.entries = entries
    self.folding = folding
    for entry in entries { try entry.store.prepareDictionary() }
    passages = .allocate(capacity: entries.count)
    passages.initialize(repeating: nil)
    states = .allocate(capacity: entries.count)
    for i in entries.indices { (states + i).initialize(to: Atomic(PassageReadAhead.unclaimed)) }
  }

  deinit {
    passages.deinitialize()
    passages.deallocate()
    states.deinitialize(count: entries.count)
    states.deallocate()
  }

  /// The helper thread's loop: reads every unclaimed passage in order until `finish`.
  func readAhead() {
    for i in entries.indices {
      while true {
        if finished.load(ordering: .relaxed) { return }
        let last = asked.load(ordering: .relaxed)
        if i - last <= PassageReadAhead.window { break }
        if last < 0 { return }
        sched_yield()
      }
      // The searcher is on the entry before: it would wait for this one, while it could
      // read it itself as the helper reads the next.
      if asked.load(ordering: .relaxed) == i - 1 { continue }
      guard claim(i) else { continue }
      passages[i] = Result { try fetch(i) }
      states[i].store(PassageReadAhead.read, ordering: .releasing)
    }
  }

  private func fetch(_ i: Int) throws -> Fetched {
    let passage = try entries[i].store.passage(sharing: entries[i].passage)
    return Fetched(
      passage: passage, pairs: Copies.characterPairs(passage.text),
      traditional: Copies.writtenInTraditional(passage.text, folding: folding))
  }

  /// Entry `i`'s passage, read here unless the helper has claimed it.
  func passage(_ i: Int) throws -> Fetched {
    asked.store(i, ordering: .relaxed)
    if claim(i) {
      let fetched = try fetch(i)
      states[i].store(PassageReadAhead.read, ordering: .relaxed)
      return fetched
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

  /// Tells the helper to stop.
  func finish() {
    finished.store(true, ordering: .relaxed)
  }

  private func claim(_ i: Int) -> Bool {
    states[i].compareExchange(expected: PassageReadAhead.unclaimed, desired: PassageReadAhead.reading, ordering: .acquiringAndReleasing)
      .exchanged
  }
}
