import Dispatch

#if canImport(Glibc)
  import Glibc
#endif

/// Opens the files of a run ahead of the workers that read them, and asks the kernel to
/// start reading each one (`posix_fadvise(WILLNEED)`), so that a tree not in the page cache
/// is read from disk with many requests in flight while the workers analyze.
///
/// A worker reads its file with one blocking `read`: on a tree not in the page cache, each
/// of the large tier's 254,651 files (4 KB on average) was one disk round trip, and the two
/// workers waited for them in turn. Read cold in order on one thread, the tree took 19.7 s;
/// with a thread asking 256 files ahead, 4.1 s (1,024 ahead: 3.4 s). A large build from a
/// cold tree took 52 s against 33 s from a cached one (docs/analysis.md).
///
/// The descriptor opened here is handed to the worker, which reads and closes it, so a tree
/// already in the cache costs one `posix_fadvise` per file more than before, not a second
/// `open`. Any file may be taken before it is prefetched (the worker then opens it itself),
/// and a descriptor the prefetcher opens after its file was taken is closed at once.
final class FilePrefetcher: @unchecked Sendable {
  private let path: (Int) -> String?
  private let sizes: [UInt64]
  private let aheadFiles: Int
  private let aheadBytes: UInt64
  private let group = DispatchGroup()
  // Guarded by `lock`.
  private let lock = Lock()
  private let room = Condition()
  private var state: [FileState]
  private var held: [Int: Int32] = [:]
  private var heldBytes: UInt64 = 0
  private var waiting = false
  private var stopped = false

  private enum FileState: UInt8 {
    case pending, held, taken
  }

  /// Files ahead of the workers, by default: enough requests in flight for the large
  /// tier's disk (see above), few enough descriptors for any `ulimit -n`.
  static let defaultAheadFiles = 512
  /// Bytes ahead of the workers: the page cache the prefetched files may fill before they
  /// are read.
  static let defaultAheadBytes: UInt64 = 32 << 20

  /// `path(i)` is the i-th of the files the workers will take, whose sizes are `sizes`,
  /// or nil for one they will not read (a function, not an array: the large tier's paths
  /// as an array took 4 MB more of the RAM budget).
  init(
    sizes: [UInt64], aheadFiles: Int = FilePrefetcher.defaultAheadFiles,
    aheadBytes: UInt64 = FilePrefetcher.defaultAheadBytes, path: @escaping (Int) -> String?
  ) {
    precondition(aheadFiles >= 2)
    self.path = path
    self.sizes = sizes
    self.aheadBytes = aheadBytes
    // A quarter of the descriptors the process may open, so that the workers and the
    // index's own files always find one.
    var limit = rlimit()
    let allowed = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(min(limit.rlim_cur, 1 << 20)) / 4 : 64
    self.aheadFiles = max(2, min(aheadFiles, allowed))
    state = [FileState](repeating: .pending, count: sizes.count)
    guard !sizes.isEmpty else { return }
    group.enter()
    DispatchQueue(label: "aisearch.prefetch").async {
      self.run()
      self.group.leave()
    }
  }

  /// An open descriptor for file `i`, the caller's to close, or nil when the prefetcher has
  /// not reached it (or could not open it): then the caller opens the file itself, and
  /// reports what opening it says. Each file is taken at most once.
  func take(_ i: Int) -> Int32? {
    lock.locked {
      let previous = state[i]
      state[i] = .taken
      guard previous == .held, let fd = held.removeValue(forKey: i) else { return nil }
      heldBytes -= sizes[i]
      // Woken only once half the window is free: a wakeup per file would cost a context
      // switch per file.
      if waiting && held.count <= aheadFiles / 2 && heldBytes <= aheadBytes / 2 { room.signal() }
      return fd
    }
  }

  /// Whether file `i` is open and waiting to be taken (tests wait on it: when a worker
  /// gets there first is up to the scheduler).
  func isHeld(_ i: Int) -> Bool {
    lock.locked { state[i] == .held }
  }

  /// Stops the thread and closes every descriptor not taken.
  func stop() {
    lock.locked {
      stopped = true
      room.signal()
    }
    group.wait()
    lock.locked {
      for fd in held.values { close(fd) }
      held.removeAll()
      heldBytes = 0
    }
  }

  deinit { stop() }

  private func run() {
    for i in sizes.indices {
      guard let path = path(i) else { continue }
      let (halt, proceed) = lock.locked { () -> (Bool, Bool) in
        while !stopped && (held.count >= aheadFiles || (heldBytes > 0 && heldBytes + sizes[i] > aheadBytes)) {
          waiting = true
          room.wait(lock)
          waiting = false
        }
        return (stopped, state[i] == .pending)
      }
      if halt { return }
      guard proceed else { continue }
      let fd = open(path, FileSystem.readFlags)
      guard fd >= 0 else { continue }
      _ = posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED)
      let kept = lock.locked { () -> Bool in
        guard state[i] == .pending else { return false }
        state[i] = .held
        held[i] = fd
        heldBytes += sizes[i]
        return true
      }
      if !kept { close(fd) }
    }
  }
}
