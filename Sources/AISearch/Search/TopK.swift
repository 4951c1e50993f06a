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

  /// Keeps `element` if it is among the best; returns whether it was kept.
  @discardableResult
  mutating func insert(_ element: Element) -> Bool {
    guard admits(element) else { return false }
    if heap.count < capacity {
      heap.append(element)
      var i = heap.count - 1
      while i > 0 && ranksBefore(heap[(i - 1) / 2], heap[i]) {
        heap.swapAt(i, (i - 1) / 2)
        i = (i - 1) / 2
      }
      return true
    }
    heap[0] = element
    var i = 0
    while true {
      let l = 2 * i + 1
      let r = l + 1
      var worst = i
      if l < heap.count && ranksBefore(heap[worst], heap[l]) { worst = l }
      if r < heap.count && ranksBefore(heap[worst], heap[r]) { worst = r }
      if worst == i { return true }
      heap.swapAt(i, worst)
      i = worst
    }
  }

  /// The kept elements, best first.
  func sorted() -> [Element] {
    heap.sorted(by: ranksBefore)
  }
}

/// A passage competing for the top k, with its query terms' positions (per term, in the
/// body and the title) for phrase and proximity re-ranking.
struct Candidate {
  var segment: Int
  var doc: UInt32
  var coverage: Double
  var score: Double
  var body: [[Int32]]
  var title: [[Int32]]
  var phrase = 0.0
  var closeness = 0.0

  /// Higher score first; equal scores in index order (segment, passage).
  static func ranksBefore(_ a: Candidate, _ b: Candidate) -> Bool {
    a.score != b.score ? a.score > b.score : (a.segment, a.doc) < (b.segment, b.doc)
  }
}
