/// The candidates kept for re-ranking, counted by copy signature (`CopySignature`): the
/// best passages of at most `capacity` distinct signatures, each with up to
/// `followerLimit` lower-ranked passages of the same signature.
///
/// A corpus that holds many copies of a text (mirrors, versions, the large tier's 41
/// shuffled copies) fills a plain top-n heap with copies of a few texts, which then
/// collapse into a few hits; a heap deep enough to survive that keeps its floor low and
/// pruning weak. Counting one entry per signature lets a shallow heap hold as many
/// distinct texts as a deep one. Signatures only decide what is kept: a follower is still
/// a candidate of its own, and `Searcher` compares texts before it calls anything a copy,
/// so a false match (two different passages, one signature) costs a slot, not a hit.
struct CandidateHeap {
  let capacity: Int
  let followerLimit: Int

  private struct Group {
    var best: Candidate
    var followers: [Candidate] = []
    var heapIndex = 0
  }

  private var groups: [Group] = []
  /// Group indexes as a min-heap (the worst best candidate at the root).
  private var heap: [Int] = []
  /// Group by signature, for heaps too deep for a linear search (`linearSearchLimit`).
  private var groupOf: [UInt16: Int] = [:]
  private static let linearSearchLimit = 32

  private func group(of signature: UInt16) -> Int? {
    if capacity > CandidateHeap.linearSearchLimit { return groupOf[signature] }
    for g in groups.indices where groups[g].best.signature == signature { return g }
    return nil
  }

  init(capacity: Int, followerLimit: Int) {
    self.capacity = capacity
    self.followerLimit = followerLimit
  }

  /// Distinct signatures kept.
  var count: Int { heap.count }

  /// The worst group's best candidate once `capacity` groups are kept: what a newcomer
  /// must beat.
  var floor: Candidate? { heap.count == capacity ? groups[heap[0]].best : nil }

  func admits(_ candidate: Candidate) -> Bool {
    heap.count < capacity || Candidate.ranksBefore(candidate, groups[heap[0]].best)
  }

  /// Keeps `candidate` (which must be admitted); calls `dropped` with each candidate
  /// pushed out.
  mutating func insert(_ candidate: Candidate, dropped: (Candidate) -> Void = { _ in }) {
    precondition(admits(candidate))
    let indexed = capacity > CandidateHeap.linearSearchLimit
    if let g = group(of: candidate.signature) {
      if Candidate.ranksBefore(candidate, groups[g].best) {
        let previous = groups[g].best
        groups[g].best = candidate
        siftDown(groups[g].heapIndex)
        follow(g, previous, dropped)
      } else {
        follow(g, candidate, dropped)
      }
      return
    }
    if heap.count < capacity {
      groups.append(Group(best: candidate, heapIndex: heap.count))
      if indexed { groupOf[candidate.signature] = groups.count - 1 }
      heap.append(groups.count - 1)
      siftUp(heap.count - 1)
      return
    }
    // Full: the worst group leaves, its storage takes the newcomer.
    let g = heap[0]
    dropped(groups[g].best)
    for follower in groups[g].followers { dropped(follower) }
    if indexed {
      groupOf[groups[g].best.signature] = nil
      groupOf[candidate.signature] = g
    }
    groups[g].best = candidate
    groups[g].followers.removeAll(keepingCapacity: true)
    siftDown(0)
  }

  /// Every candidate kept (best ones and followers), best first.
  func sorted() -> [Candidate] {
    var all: [Candidate] = []
    for group in groups {
      all.append(group.best)
      all.append(contentsOf: group.followers)
    }
    return all.sorted(by: Candidate.ranksBefore)
  }

  /// Adds a follower to group `g`; past the limit the worst follower is dropped (and
  /// returned), which loses at most a citation of a probable copy.
  private mutating func follow(_ g: Int, _ candidate: Candidate, _ dropped: (Candidate) -> Void) {
    guard followerLimit > 0 else { return dropped(candidate) }
    groups[g].followers.append(candidate)
    guard groups[g].followers.count > followerLimit else { return }
    var worst = 0
    for i in groups[g].followers.indices where Candidate.ranksBefore(groups[g].followers[worst], groups[g].followers[i]) {
      worst = i
    }
    dropped(groups[g].followers.remove(at: worst))
  }

  private func ranksBefore(_ a: Int, _ b: Int) -> Bool {
    Candidate.ranksBefore(groups[heap[a]].best, groups[heap[b]].best)
  }

  private mutating func swapNodes(_ a: Int, _ b: Int) {
    heap.swapAt(a, b)
    groups[heap[a]].heapIndex = a
    groups[heap[b]].heapIndex = b
  }

  private mutating func siftUp(_ start: Int) {
    var i = start
    while i > 0 && ranksBefore((i - 1) / 2, i) {
      swapNodes(i, (i - 1) / 2)
      i = (i - 1) / 2
    }
  }

  /// After node `start`'s candidate got better (or was replaced at the root).
  private mutating func siftDown(_ start: Int) {
    var i = start
    while true {
      let l = 2 * i + 1
      let r = l + 1
      var worst = i
      if l < heap.count && ranksBefore(worst, l) { worst = l }
      if r < heap.count && ranksBefore(worst, r) { worst = r }
      if worst == i { return }
      swapNodes(i, worst)
      i = worst
    }
  }
}

/// A passage competing for the top k. Once it reaches re-ranking, its query terms'
/// positions (for phrase and proximity) are read into a `PositionPool` slot
/// (`Searcher.readPositions`), so that moving candidates copies no arrays.
struct Candidate {
  var segment: Int
  var doc: UInt32
  var coverage: Double
  var score: Double
  /// The passage's `CopySignature`.
  var signature: UInt16 = 0
  var slot: Int = -1
  var phrase = 0.0
  var closeness = 0.0

  /// Higher score first; equal scores in index order (segment, passage).
  static func ranksBefore(_ a: Candidate, _ b: Candidate) -> Bool {
    a.score != b.score ? a.score > b.score : (a.segment, a.doc) < (b.segment, b.doc)
  }
}

/// Per candidate slot, each query term's positions in the body and in the title.
struct PositionPool {
  private(set) var body: [[[Int32]]] = []
  private(set) var title: [[[Int32]]] = []

  /// Stores positions in a new slot; returns the slot.
  mutating func store(body b: [[Int32]], title t: [[Int32]]) -> Int {
    body.append(b)
    title.append(t)
    return body.count - 1
  }
}
