#if canImport(Glibc)
  import Glibc
#endif

/// Memory for the large tables an indexing run reads and writes at random (the postings
/// pool and its term records, the segment's term table, the line cache), asked to be
/// backed by 2 MiB transparent huge pages (`madvise(MADV_HUGEPAGE)`; Debian's kernels give
/// them only where asked). With 4 KiB pages nearly every random access to tables of tens to
/// hundreds of MB missed the TLB, and in a virtual machine each miss walks the guest's and
/// the host's page tables. The whole process on huge pages (the kernel's `always` mode)
/// built the large tier 7% faster, but its peak RSS passed 512 MB; these tables alone are
/// the accesses that missed.
///
/// Where the kernel gives no huge pages (`never`, or none free) the memory is ordinary.
enum HugePages {
  static let size = 2 << 20

  /// Zeroed memory of at least `bytes` (whole huge pages), starting at a huge-page
  /// boundary, or nil when it cannot be mapped. Pages become resident as they are written.
  static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer? {
    let length = roundedUp(bytes)
    guard let mapped = mmap(nil, length + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
      mapped != MAP_FAILED
    else { return nil }
    // Mapped a huge page longer than needed; the ends beyond the aligned part are given back.
    let address = UInt(bitPattern: mapped)
    let aligned = (address + UInt(size) - 1) & ~UInt(size - 1)
    let head = Int(aligned - address)
    if head > 0 { munmap(mapped, head) }
    if size - head > 0 { munmap(UnsafeMutableRawPointer(bitPattern: aligned + UInt(length)), size - head) }
    let base = UnsafeMutableRawPointer(bitPattern: aligned)!
    madvise(base, length, MADV_HUGEPAGE)
    return base
  }

  /// Unmaps what `allocate(bytes)` returned.
  static func deallocate(_ base: UnsafeMutableRawPointer, _ bytes: Int) {
    munmap(base, roundedUp(bytes))
  }

  static func roundedUp(_ bytes: Int) -> Int { (max(bytes, 1) + size - 1) / size * size }

  /// Asks for huge pages for the whole huge pages inside `buffer` (from malloc or an mmap of
  /// its own), before it is first written. Buffers under two huge pages are left as they
  /// are. Memory from malloc keeps the advice after it is freed, for whatever malloc puts
  /// there next.
  static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
    guard buffer.count >= 2 * size, let start = buffer.baseAddress else { return }
    let low = (UInt(bitPattern: start) + UInt(size) - 1) & ~UInt(size - 1)
    let high = (UInt(bitPattern: start) + UInt(buffer.count)) & ~UInt(size - 1)
    guard high > low else { return }
    madvise(UnsafeMutableRawPointer(bitPattern: low), Int(high - low), MADV_HUGEPAGE)
  }

  /// An array of `count` copies of `value`, on huge pages where it is large.
  static func array<Element>(repeating value: Element, count: Int) -> [Element] {
    guard count > 0 else { return [] }
    return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
      advise(UnsafeMutableRawBufferPointer(buffer))
      buffer.baseAddress!.initialize(repeating: value, count: count)
      initialized = count
    }
  }

  /// `array`'s elements in a new array with room for `capacity`, on huge pages where it is
  /// large: for arrays that grow, in place of the doubling `append` does (whose new storage
  /// is written before it could be advised).
  static func grown<Element>(_ array: [Element], capacity: Int) -> [Element] {
    [Element](unsafeUninitializedCapacity: max(capacity, array.count)) { buffer, initialized in
      advise(UnsafeMutableRawBufferPointer(buffer))
      initialized = buffer.initialize(fromContentsOf: array)
    }
  }
}
