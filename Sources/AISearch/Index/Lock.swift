#if canImport(Glibc)
  import Glibc
#endif

/// pthreads' mutex and condition variable: Synchronization's Mutex cannot wait.
final class Lock: @unchecked Sendable {
  fileprivate let raw = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

  init() { pthread_mutex_init(raw, nil) }

  deinit {
    pthread_mutex_destroy(raw)
    raw.deallocate()
  }

  /// Runs `body` holding the mutex.
  func locked<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(raw)
    defer { pthread_mutex_unlock(raw) }
    return try body()
  }
}

final class Condition: @unchecked Sendable {
  private let raw = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

  init() { pthread_cond_init(raw, nil) }

  deinit {
    pthread_cond_destroy(raw)
    raw.deallocate()
  }

  /// Releases `lock` (held by the caller) until signalled; call it in a loop that tests
  /// what it waits for.
  func wait(_ lock: Lock) { pthread_cond_wait(raw, lock.raw) }

  func signal() { pthread_cond_signal(raw) }

  func broadcast() { pthread_cond_broadcast(raw) }
}
