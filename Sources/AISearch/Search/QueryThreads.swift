import Synchronization
import CPrefetch

#if canImport(Glibc)
  import Glibc
#endif

/// Threads of one `Searcher` for the parts of a query that run on several cores (scoring
/// segments, reading passages ahead), started on first use and kept for the next queries;
/// in between they poll, then wait on a semaphore (`wait`).
///
/// Not libdispatch's `concurrentPerform`: its first use in a process starts libdispatch's
/// thread pool, which made a search from a new process about a millisecond slower (seeds,
/// `hyperfine`: 8.1 → 9.1 ms); starting one thread here costs tens of microseconds.
final class QueryThreads {
  private var workers: [Worker] = []

  /// Polls for this long before it sleeps: waking a thread asleep on a futex took this VM
  /// tens of microseconds (its virtual CPU halts), and a query hands work over up to four
  /// times. Polling for 0.17 ms (100 rounds) was shorter than the gaps a query leaves: the
  /// thread that walked its last segment first waits while the other finishes, reads the
  /// candidates' positions and re-ranks them, and a batch's next query comes after the hits
  /// are written. Polling for 1.7 ms made the large tier's queries 0.893 as long (per-query
  /// median; ranking 0.877, hit making 0.90). Between short bursts of polling it yields
  /// its CPU, which the other thread may need: a new process's helper thread can start on
  /// its creator's CPU.
  static let pollDuration = Duration.milliseconds(2)

  static func wait(_ semaphore: UnsafeMutablePointer<sem_t>) {
    let deadline = ContinuousClock.now.advanced(by: pollDuration)
    repeat {
      for _ in 0..<32 {
        if sem_trywait(semaphore) == 0 { return }
        aisearch_spin_pause()
      }
      sched_yield()
    } while ContinuousClock.now < deadline
    while sem_wait(semaphore) != 0 {}
  }

  /// Runs `body(0)` on the calling thread and `body(1)` … `body(count - 1)` on helper
  /// threads, and returns when all have. An index whose thread could not be started runs
  /// on the calling thread after `body(0)`.
  func run(_ count: Int, _ body: (Int) -> Void) {
    guard count > 1 else { return body(0) }
    while workers.count < count - 1, let worker = Worker() { workers.append(worker) }
    withoutActuallyEscaping(body) { body in
      let started = min(count - 1, workers.count)
      for w in 0..<started { workers[w].start(body, index: w + 1) }
      body(0)
      for index in (started + 1)..<count { body(index) }
      for w in 0..<started { workers[w].wait() }
    }
  }

  /// One helper thread and what it shares with the searcher's thread (the thread keeps
  /// the channel alive, so that the worker can go while the thread is stopping).
  private final class Worker {
    private let channel: Channel
    private var thread = pthread_t()

    init?() {
      channel = Channel()
      let retained = Unmanaged.passRetained(channel).toOpaque()
      let status = pthread_create(
        &thread, nil,
        { raw in
          let channel = Unmanaged<Channel>.fromOpaque(raw!).takeRetainedValue()
          channel.serve()
          return nil
        }, retained)
      if status != 0 {
        Unmanaged<Channel>.fromOpaque(retained).release()
        return nil
      }
    }

    deinit {
      channel.stopping = true
      sem_post(channel.start)
      pthread_join(thread, nil)
    }

    func start(_ body: @escaping (Int) -> Void, index: Int) {
      channel.job = body
      channel.index = index
      sem_post(channel.start)
    }

    func wait() {
      QueryThreads.wait(channel.done)
      channel.job = nil
    }
  }

  /// A job handed over through two semaphores, whose posts and waits order the memory
  /// accesses on both sides.
  private final class Channel {
    let start = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    let done = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    var job: ((Int) -> Void)?
    var index = 0
    var stopping = false

    init() {
      sem_init(start, 0, 0)
      sem_init(done, 0, 0)
    }

    deinit {
      sem_destroy(start)
      sem_destroy(done)
      start.deallocate()
      done.deallocate()
    }

    func serve() {
      while true {
        QueryThreads.wait(start)
        if stopping { return }
        job?(index)
        sem_post(done)
      }
    }
  }
}

/// A fixed number of slots shared by a query's threads, each slot written by one thread and
/// read by the others once an atomic access has ordered the write before the read (through
/// a Swift array, a write checked the array's uniqueness and could copy it).
final class Slots<Element> {
  private let storage: UnsafeMutableBufferPointer<Element?>

  init(_ count: Int) {
    storage = .allocate(capacity: count)
    storage.initialize(repeating: nil)
  }

  deinit {
    storage.deinitialize()
    storage.deallocate()
  }

  subscript(i: Int) -> Element? {
    get { storage[i] }
    set { storage[i] = newValue }
  }
}

/// Elements one thread appends while others read those appended so far: each is written
/// before the count that takes it in is published.
final class PublishedList<Element> {
  private let elements: Slots<Element>
  private let published = Atomic<Int>(0)

  init(capacity: Int) {
    elements = Slots(capacity)
  }

  /// Appends an element (the writing thread only; at most `capacity` in all).
  func append(_ element: Element) {
    let count = published.load(ordering: .relaxed)
    elements[count] = element
    published.store(count + 1, ordering: .releasing)
  }

  /// The elements appended so far, each readable once this count is seen.
  var count: Int { published.load(ordering: .acquiring) }

  subscript(i: Int) -> Element { elements[i]! }
}

