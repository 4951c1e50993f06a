/// The best `capacity` elements seen so far, as a bounded min-heap whose root is the worst
/// element kept: an insert that cannot make the cut costs one comparison.
struct TopK<Element> {
  let capacity: Int
  private let ranksBefore: (Element, Element) -> Bool
  private var heap: [Element] = []

  init(capacity: Int, ranksBefore: @escaping (Element, Element) -> Bool) {
    self.capacity = capacity
    self.ranksBefore = ranksBefore
    heap.reserveCapacity(min(capacity, 1 << 12))
  }

  var count: Int { heap.count }

  /// The worst element kept once the heap is full: what a newcomer must beat.
  var floor: Element? { heap.count == capacity ? heap[0] : nil }

  /// Whether `element` would be kept.
  func admits(_ element: Element) -> Bool {
    heap.count < capacity || ranksBefore(element, heap[0])
  }

  /// Keeps `element` (which must be admitted); returns the element it pushed out, if the
  /// heap was full.
  @discardableResult
  mutating func insert(_ element: Element) -> Element? {
    precondition(admits(element))
    if heap.count < capacity {
      heap.append(element)
      var i = heap.count - 1
      while i > 0 && ranksBefore(heap[(i - 1) / 2], heap[i]) {
        heap.swapAt(i, (i - 1) / 2)
        i = (i - 1) / 2
      }
      return nil
    }
    let evicted = heap[0]
    heap[0] = element
    var i = 0
    while true {
      let l = 2 * i + 1
      let r = l + 1
      var worst = i
      if l < heap.count && ranksBefore(heap[worst], heap[l]) { worst = l }
      if r < heap.count && ranksBefore(heap[worst], heap[r]) { worst = r }
      if worst == i { return evicted }
      heap.swapAt(i, worst)
      i = worst
    }
  }

  /// The kept elements, best first.
  func sorted() -> [Element] {
    heap.sorted(by: ranksBefore)
  }
}

/// A passage competing for the top k. Its query terms' positions (for phrase and
/// proximity re-ranking) live in a `PositionPool` slot, so that moving candidates in the
/// heap copies no arrays.
struct Candidate {
  var segment: Int
  var doc: UInt32
  var coverage: Double
  var score: Double
  var slot: Int = -1
  var phrase = 0.0
  var closeness = 0.0

  /// Higher score first; equal scores in index order (segment, passage).
  static func ranksBefore(_ a: Candidate, _ b: Candidate) -> Bool {
    a.score != b.score ? a.score > b.score : (a.segment, a.doc) < (b.segment, b.doc)
  }
}

/// Per candidate slot, each query term's positions in the body and in the title. A slot
/// freed by a candidate pushed out of the top k is reused by the next one.
struct PositionPool {
  private(set) var body: [[[Int32]]] = []
  private(set) var title: [[[Int32]]] = []

  /// Stores positions in `slot`, or in a new slot when `slot` is -1; returns the slot.
  mutating func store(body b: [[Int32]], title t: [[Int32]], reusing slot: Int) -> Int {
    if slot >= 0 {
      body[slot] = b
      title[slot] = t
      return slot
    }
    body.append(b)
    title.append(t)
    return body.count - 1
  }
}
