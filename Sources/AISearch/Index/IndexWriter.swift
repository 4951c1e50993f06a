import Dispatch
#if canImport(Glibc)
  import Glibc
#endif
import FoundationEssentials

/// Brings an index up to date with a set of files, one atomic commit per run.
///
/// Contract: one writer per index directory at a time (a second gets `.locked`, naming the
/// holder's PID); readers only ever see whole commits, because a commit first writes and
/// fsyncs new segment files, then atomically replaces the manifest. A writer killed at any
/// point leaves the previous commit intact; files it left behind are removed by the next
/// commit.
///
/// Incremental rules: a file whose size and modification time are unchanged is not read; a
/// file whose bytes hash the same is not re-analyzed; a changed file's passages are marked
/// deleted and its new passages go into the new segment; a file that disappeared from under
/// one of the roots has its passages deleted. Segments are merged as `Merger.plan` decides.
public final class IndexWriter {
  public struct Summary: Sendable {
    public var added = 0
    public var changed = 0
    public var deleted = 0
    public var unchanged = 0
    /// Live passages in the index after the run.
    public var passages = 0
    public var skipped: [(path: String, reason: String)] = []
    public var warnings: [(path: String, message: String)] = []
    public var bytesRead: UInt64 = 0
    public var seconds = 0.0
    public var committed = false

    public var files: Int { added + changed + unchanged }
  }

  public static let maxSegments = 10

  public let directory: String
  /// Threads that read and analyze files; the index is the same for any number.
  public let workers: Int
  /// The memory the writer may take: the file lists, the documents being analyzed, and the
  /// segment being built, which is written out (flushed) when it takes the rest and a new
  /// one started; a run still makes one commit, however many segments it flushes.
  public internal(set) var ramBudget: Int
  private let lock: WriterLock
  private var analyzers: [Analyzer] = []
  private var analyzerFolding: HanFolding?
  private let reader = DocumentReader()

  /// The most analysis threads a writer starts: 64, or one per core on a larger machine.
  static func maxWorkers(cores: Int) -> Int { max(64, cores) }

  /// Opens `directory` for writing (creating it) with `workers` analysis threads (default:
  /// one per core; at most `maxWorkers`) and a RAM budget for the segment being built.
  public init(directory: String, workers: Int? = nil, ramBudgetMB: Int = 256) throws {
    self.directory = directory
    // Each worker holds an analyzer (ICU iterators and buffers, about 13 KB before any
    // text): --jobs 20000 took 262 MB to index five small files. More workers than cores
    // gain nothing, and the index is the same for any count.
    let cores = ProcessInfo.processInfo.activeProcessorCount
    self.workers = min(max(1, workers ?? cores), IndexWriter.maxWorkers(cores: cores))
    ramBudget = max(1, ramBudgetMB) << 20
    try FileSystem.makeDirectory(directory)
    lock = try WriterLock(directory: directory)
  }

  /// The PID of a writer that was killed while holding this index's lock; its uncommitted
  /// files are removed by this writer's commit.
  public var takenOverFrom: Int32? { lock.takenOverFrom }

  /// How far a run is: files and bytes to read, and done so far.
  public struct Progress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesDone: UInt64
    public var bytesTotal: UInt64
  }

  /// Indexes `roots` (files or directories). With `rebuild`, the old index is ignored and
  /// replaced whole. `progress` is called after each batch of files is analyzed.
  public func update(
    roots: [String], rebuild: Bool = false, progress: ((Progress) -> Void)? = nil
  ) throws -> Summary {
    runGeneration = nil
    do {
      return try run(roots: roots, rebuild: rebuild, progress: progress)
    } catch {
      // Nothing was committed: the segment files this run wrote are removed, so that a
      // full disk is not left full (the next run would fail the same way).
      if let generation = runGeneration { removeFiles(ofGeneration: generation) }
      throw error
    }
  }

  /// The generation the running update writes its segments under, once it is known.
  private var runGeneration: UInt64?

  private func run(roots: [String], rebuild: Bool, progress: ((Progress) -> Void)?) throws -> Summary {
    let clock = ContinuousClock()
    let started = clock.now
    var summary = Summary()
    let scan = try Corpus.scan(roots: roots, excluding: directory)
    summary.skipped = scan.skipped
    // --rebuild is the way out of a damaged index or one of another format, so it must not
    // need the old manifest to be readable.
    let previous = rebuild ? ((try? Manifest.read(directory: directory)) ?? nil) : try Manifest.read(directory: directory)
    if let previous, previous.analyzerVersion != Analyzer.version, !rebuild {
      throw AISearchError.otherAnalyzer(directory)
    }
    // Segment files no commit names were left by a writer that was killed or failed (this
    // one holds the lock): they go first, as they may hold the space this run needs. Not
    // when the last commit could not be read (a --rebuild of a damaged index).
    if let previous {
      removeUnreferencedFiles(previous)
    } else if !FileSystem.exists(directory + "/" + Manifest.fileName) {
      removeUnreferencedFiles(Manifest())
    }
    var manifest = rebuild ? Manifest() : (previous ?? Manifest())
    manifest.generation = max(previous?.generation ?? 0, IndexWriter.highestSegmentGeneration(in: directory)) + 1
    runGeneration = manifest.generation
    manifest.analyzerVersion = Analyzer.version
    if manifest.segments.isEmpty {
      // A new index takes the folding of this machine's ICU; an existing one keeps its own.
      manifest.folding = try HanFolding.fromICU()
    }
    // The manifest lists its files sorted by path; the scan finds them depth first, which is
    // the same order but where a name sorts after a directory it prefixes (`01.html.txt`
    // after `01/`). Each scanned file is compared with the entry after the last one found,
    // and looked up by binary search only when that is not it (a dictionary by path hashed
    // 254,651 paths, a tenth of an unchanged re-index of the large tier).
    // Paths are compared as bytes, as the file system names files.
    var nextEntry = 0
    func entry(of path: String) -> Int? {
      if nextEntry < manifest.files.count, FileSystem.compareNames(manifest.files[nextEntry].path, path) == 0 {
        nextEntry += 1
        return nextEntry - 1
      }
      var low = 0
      var high = manifest.files.count
      while low < high {
        let middle = (low + high) / 2
        if FileSystem.compareNames(manifest.files[middle].path, path) < 0 { low = middle + 1 } else { high = middle }
      }
      guard low < manifest.files.count, FileSystem.compareNames(manifest.files[low].path, path) == 0 else { return nil }
      nextEntry = low + 1
      return low
    }
    var keep = [Bool](repeating: true, count: manifest.files.count)
    // Which files of the manifest the scan found again: one flag per file, not a set of
    // every scanned path (large tier: 254,651 paths, 20 MB as a Set<String>).
    var found = [Bool](repeating: false, count: manifest.files.count)
    let segmentName = "s\(manifest.generation)"
    var segment = try SegmentWriter(directory: directory, name: segmentName)
    var flushed: [Manifest.Segment] = []
    var newFiles: [Manifest.SourceFile] = []
    // A full segment is written out on a thread of its own while this one fills the next,
    // up to `writeOverlapBytes`: written in line, it stopped the analysis for the whole
    // write (once the workers had filled their window), and the write's serial parts left
    // a core idle (large tier: 8 writes of 0.8–1.25 s, the process at 140% of two cores
    // during them). Where the cuts fall does not depend on the overlap.
    let background = BackgroundWrite()
    var passageDictionary: PassageStore.Writer.Trained? = nil
    defer { background.wait() }
    /// Starts writing the buffered segment (s<generation>, then s<generation>_1, _2, …) and
    /// begins the next.
    func flush() throws {
      guard segment.passageCount > 0 else { return }
      try background.finish()
      flushed.append(
        Manifest.Segment(
          name: segment.name, passageCount: UInt32(segment.passageCount), tokenCount: segment.tokenCount,
          titleTokenCount: segment.titleTokenCount, deleted: []))
      passageDictionary = passageDictionary ?? segment.passageDictionary
      var full: SegmentWriter? = segment
      segment = try SegmentWriter(
        directory: directory, name: segmentName + "_\(flushed.count)", passageDictionary: passageDictionary)
      background.start {
        try full!.write()
        // The segment is freed here, not when the closure is, so that its pages (many
        // allocated on worker threads, in their own malloc arenas) can be given back at
        // once: the budget bounds resident memory.
        full = nil
        _ = releaseFreedMemory(0)
      }
    }
    var metadataChanged = false

    // Scanned files to read, by index into scan.files, each with its manifest entry (or -1).
    var selected: [(file: Int32, existing: Int32)] = []
    for (index, file) in scan.files.enumerated() {
      let existing = entry(of: file.path)
      if let existing { found[existing] = true }
      if let existing, manifest.files[existing].size == file.size,
        manifest.files[existing].modifiedNanoseconds == file.modifiedNanoseconds
      {
        summary.unchanged += 1
      } else {
        selected.append((Int32(index), Int32(existing ?? -1)))
      }
    }
    // Files are added in document order (`DocumentOrder`), which puts copies of a file side
    // by side; the scan gives path order.
    let order = DocumentOrder.sorted(selected.map { scan.files[Int($0.file)].path })
    // A constant from here on: the workers read it.
    let toRead = order.map { selected[$0] }
    let files = scan.files
    // The manifest entry of the i-th file to read, if it had one.
    func existingEntry(_ i: Int) -> Int? { toRead[i].existing < 0 ? nil : Int(toRead[i].existing) }
    // The segment gets what the budget leaves beside the file tables, so that the budget
    // bounds the writer's memory, not only the segment's (large tier: the tables take about
    // 70 MB; when they were left out, peak RSS reached 458–534 MB at a 256 MB budget).
    let segmentBudget = max(
      ramBudget / 4,
      ramBudget - IndexWriter.fileTableBytes(files, previous: manifest.files.count) - analysisReserve - writeOverlapBytes)
    // Files are read and analyzed on all workers, each claiming the next file as it is
    // free, and added here in corpus order, so the index does not depend on the number of
    // workers or on thread timing; while this thread adds a file (or writes a full segment
    // out), the workers analyze the ones after it.
    let bytesTotal = toRead.reduce(UInt64(0)) { $0 + files[Int($1.file)].size }
    var bytesDone: UInt64 = 0
    var bytesReported: UInt64 = 0
    // The previous content hash of each file to read, for the workers.
    let knownHashes = toRead.indices.map { existingEntry($0).map { manifest.files[$0].contentHash } }
    // Made only when there is something to analyze: an unchanged re-index needs no ICU
    // iterators and no line cache (whose tables take 12 MB to set up).
    if !toRead.isEmpty && (analyzers.isEmpty || analyzerFolding != manifest.folding) {
      let lineCache = LineTokenCache(capacity: lineCacheBytes)
      analyzers = try (0..<workers).map { _ in try Analyzer(folding: manifest.folding, lineCache: lineCache) }
      analyzerFolding = manifest.folding
    }
    let analyzers = self.analyzers
    let sizes = toRead.map { files[Int($0.file)].size }
    let maxFileBytes = self.maxFileBytes
    let prefetcher = FilePrefetcher(sizes: sizes) { i in
      let file = files[Int(toRead[i].file)]
      return file.size <= maxFileBytes ? file.path : nil
    }
    defer { prefetcher.stop() }
    let pipeline = AnalysisPipeline(sizes: sizes, workers: workers, windowBytes: analysisWindowBytes) { i, worker in
      try self.outcome(
        files[Int(toRead[i].file)], knownHash: knownHashes[i], analyzer: analyzers[worker], opened: prefetcher.take(i))
    }
    defer { pipeline.stop() }
    for i in toRead.indices {
      let file = files[Int(toRead[i].file)]
      let existing = existingEntry(i)
      let outcome = try pipeline.take(i)
      switch outcome {
      case .unreadable(let message):
        summary.skipped.append((file.path, message))
      case .sameContent(let bytes):
        summary.bytesRead += bytes
        manifest.files[existing!].size = file.size
        manifest.files[existing!].modifiedNanoseconds = file.modifiedNanoseconds
        metadataChanged = true
        summary.unchanged += 1
      case .binary(let bytes):
        summary.bytesRead += bytes
        summary.skipped.append((file.path, "binary file"))
        if let existing { keep[existing] = false; summary.deleted += 1 }
      case .tooLarge(let bytes):
        // Its earlier content, if indexed, is gone from the file: its passages go too.
        let megabytes = { (bytes: UInt64) in (Double(bytes) / 1_048_576 * 10).rounded() / 10 }
        summary.skipped.append(
          (
            file.path,
            "too large to index (\(megabytes(bytes)) MB; at most \(megabytes(maxFileBytes)) MB, an eighth of --ram-mb \(ramBudget >> 20))"
          ))
        if let existing { keep[existing] = false; summary.deleted += 1 }
      case .document(let analyzed, let hash, let bytes):
        summary.bytesRead += bytes
        for warning in analyzed.document.warnings { summary.warnings.append((file.path, warning)) }
        let first = try segment.add(analyzed)
        newFiles.append(
          Manifest.SourceFile(
            path: file.path, size: file.size, modifiedNanoseconds: file.modifiedNanoseconds, contentHash: hash,
            segment: manifest.segments.count + flushed.count, firstPassage: first,
            passageCount: UInt32(analyzed.document.passages.count)))
        if segment.estimatedBytes >= segmentBudget {
          try flush()
        } else if background.isPending && segment.estimatedBytes >= writeOverlapBytes {
          // The next segment may grow this far while the full one is written, no further.
          try background.finish()
        }
        if let existing {
          keep[existing] = false
          summary.changed += 1
        } else {
          summary.added += 1
        }
      }
      bytesDone += file.size
      if bytesDone - bytesReported >= IndexWriter.progressBytes || i == toRead.count - 1 {
        bytesReported = bytesDone
        progress?(Progress(filesDone: i + 1, filesTotal: toRead.count, bytesDone: bytesDone, bytesTotal: bytesTotal))
      }
    }
    for (i, file) in manifest.files.enumerated()
    where keep[i] && !found[i] && Corpus.isUnder(file.path, roots: scan.roots) {
      keep[i] = false
      summary.deleted += 1
    }

    if summary.added + summary.changed + summary.deleted == 0 && !metadataChanged && previous != nil && !rebuild {
      summary.passages = manifest.livePassages
      summary.seconds = seconds(since: started, clock)
      return summary
    }

    // Tombstones for the passages of changed and deleted files.
    for (i, file) in manifest.files.enumerated() where !keep[i] && file.passageCount > 0 {
      for id in file.firstPassage..<(file.firstPassage + file.passageCount) {
        manifest.segments[file.segment].deleted.insert(id)
      }
    }
    manifest.files = manifest.files.indices.filter { keep[$0] }.map { manifest.files[$0] }
    try flush()
    try background.finish()
    manifest.segments.append(contentsOf: flushed)
    manifest.files.append(contentsOf: newFiles)
    manifest = dropEmptySegments(manifest)
    manifest.files.sort { FileSystem.compareNames($0.path, $1.path) < 0 }
    // A merge runs beside what the writer already holds (file lists, the analyzers), so it
    // gets half the budget.
    let toMerge = Merger.plan(
      manifest, maxSegments: IndexWriter.maxSegments, maxTokens: UInt64(ramBudget / 2 / Merger.bytesPerToken))
    if !toMerge.isEmpty {
      manifest = try Merger.merge(
        manifest, segments: toMerge, directory: directory, name: segmentName + "m")
    }
    try manifest.write(directory: directory)
    removeUnreferencedFiles(manifest)
    summary.committed = true
    summary.passages = manifest.livePassages
    summary.seconds = seconds(since: started, clock)
    return summary
  }

  /// Memory the writer holds for the file lists beside the segment: per scanned file its
  /// path and scan entry and, once added, its manifest entry; per file of the previous
  /// commit its manifest entry. Measured on the large tier (254,651 paths of 112 bytes on
  /// average): the scan held 55–63 MB, the new manifest entries 14 MB more.
  static func fileTableBytes(_ files: [Corpus.File], previous: Int) -> Int {
    let pathBytes = files.reduce(0) { $0 + $1.path.utf8.count }
    return pathBytes + files.count * 200 + previous * 250
  }

  /// Bytes of source claimed by the workers and not yet added: it bounds the memory held
  /// by analyzed documents waiting to be added. Workers claim files one at a time across
  /// the whole run; in batches of 1 MB, each analyzed on all workers before the next began,
  /// a worker idled at the end of every batch (large tier: 1.57 cores busy of 2).
  static let defaultAnalysisWindowBytes: UInt64 = 3 << 20
  /// This writer's window (tests make it small, to exercise the wait).
  var analysisWindowBytes = IndexWriter.defaultAnalysisWindowBytes
  /// Source bytes added between two progress reports.
  static let progressBytes: UInt64 = 1 << 20

  /// The most the analyzers' shared `LineTokenCache` may hold: a quarter of the budget.
  var lineCacheBytes: Int { ramBudget / 4 }

  /// The part of the RAM budget the next segment may fill while the one before is being
  /// written: an eighth of it (32 MB by default, a second of the large tier's analysis).
  var writeOverlapBytes: Int { ramBudget / 8 }

  /// The part of the RAM budget kept for the documents being analyzed while the segment
  /// fills: analyzed, a document takes about 8 times its input (15 MB for 2 MB measured on
  /// the large tier); at most a quarter of the budget.
  var analysisReserve: Int {
    min(ramBudget / 4, Int(analysisWindowBytes) * 8)
  }

  private enum Outcome {
    case unreadable(String)
    case sameContent(bytes: UInt64)
    case binary(bytes: UInt64)
    /// Larger than `maxFileBytes` (the size the scan saw); not read.
    case tooLarge(bytes: UInt64)
    case document(SegmentWriter.AnalyzedDocument, hash: UInt64, bytes: UInt64)
  }

  /// The largest N of the segment files sN… left in `directory` (0 when none), so that a
  /// rebuild over an unreadable manifest never writes over a file it cannot account for.
  static func highestSegmentGeneration(in directory: String) -> UInt64 {
    let names = (try? FileSystem.list(directory)) ?? []
    return names.compactMap { name -> UInt64? in
      guard name.hasPrefix("s") else { return nil }
      return UInt64(name.dropFirst().prefix { $0.isASCII && $0.isNumber })
    }.max() ?? 0
  }

  /// Analyzes files on `workers` threads in the background while the caller takes the
  /// outcomes in file order (`take(i)` for i = 0, 1, …). Workers claim files in order, one
  /// at a time, as long as the files claimed and not yet taken hold at most `windowBytes`
  /// (a larger file is claimed alone); each worker passes its own number to `work`, so that
  /// it uses its own analyzer (ICU iterators are not thread-safe).
  private final class AnalysisPipeline: @unchecked Sendable {
    private let sizes: [UInt64]
    private let windowBytes: UInt64
    private let work: (Int, Int) throws -> Outcome
    private let group = DispatchGroup()
    // Guarded by `lock`; wakeups only for a thread that waits (a broadcast per file cost
    // the large tier 18 s of system time).
    private let lock = Lock()
    private let ready = Condition()
    private let space = Condition()
    private var awaited: Int? = nil
    private var waitingWorkers = 0
    private var finished: [Int: Result<Outcome, Error>] = [:]
    private var nextClaim = 0
    private var bytesInFlight: UInt64 = 0
    private var stopped = false

    init(sizes: [UInt64], workers: Int, windowBytes: UInt64, work: @escaping (Int, Int) throws -> Outcome) {
      self.sizes = sizes
      self.windowBytes = windowBytes
      self.work = work
      // A serial queue per worker: each gets a thread of its own for the whole run. Blocks
      // of one concurrent queue would hold threads of the global pool (about one per core)
      // while they wait on the window, and `concurrentPerform` in a segment write, which
      // happens while they wait, would find no thread to help it.
      for worker in 0..<min(workers, max(sizes.count, 1)) {
        group.enter()
        DispatchQueue(label: "aisearch.analysis.\(worker)").async {
          self.run(worker)
          self.group.leave()
        }
      }
    }

    private func run(_ worker: Int) {
      while let files = claim() {
        let results = files.map { i in Result { try work(i, worker) } }
        lock.locked {
          for (i, result) in zip(files, results) { finished[i] = result }
          if let awaited, files.contains(awaited) { ready.signal() }
        }
      }
    }

    /// Consecutive files claimed at once, up to `batchFiles` and `batchBytes`: one claim and
    /// one hand-over per file woke the writer's thread 254,651 times on the large tier
    /// (files of 4 KB on average).
    static let batchFiles = 32
    static let batchBytes: UInt64 = 64 << 10

    private func fits(_ i: Int) -> Bool {
      bytesInFlight == 0 || bytesInFlight + sizes[i] <= windowBytes
    }

    private func claim() -> Range<Int>? {
      lock.locked {
        while !stopped && nextClaim < sizes.count && !fits(nextClaim) {
          waitingWorkers += 1
          space.wait(lock)
          waitingWorkers -= 1
        }
        guard !stopped && nextClaim < sizes.count else { return nil }
        let first = nextClaim
        var batch: UInt64 = 0
        repeat {
          batch += sizes[nextClaim]
          bytesInFlight += sizes[nextClaim]
          nextClaim += 1
        } while nextClaim < sizes.count && nextClaim - first < AnalysisPipeline.batchFiles
          && batch + sizes[nextClaim] <= AnalysisPipeline.batchBytes && fits(nextClaim)
        return first..<nextClaim
      }
    }

    /// The outcome of file `i`, once analyzed; files must be taken in order.
    func take(_ i: Int) throws -> Outcome {
      let result = lock.locked {
        while finished[i] == nil {
          awaited = i
          ready.wait(lock)
        }
        awaited = nil
        bytesInFlight -= sizes[i]
        // Waiting workers are woken only once the next file fits.
        if waitingWorkers > 0 && (nextClaim >= sizes.count || fits(nextClaim)) { space.broadcast() }
        return finished.removeValue(forKey: i)!
      }
      return try result.get()
    }

    /// Stops the workers after the files they are on, and waits for them.
    func stop() {
      lock.locked {
        stopped = true
        space.broadcast()
      }
      group.wait()
    }
  }

  /// The largest file indexed: a file is read and analyzed whole, which takes about seven
  /// times its size (a 150 MB text file: 1.06 GB resident), so a larger one would break the
  /// RAM budget, and one of a few GB the machine. An eighth of the budget (32 MB at the
  /// default; the benchmark's largest file is 2 MB) keeps it within the budget's share for
  /// documents being analyzed; the file is skipped with a message saying how to index it.
  /// Never below 64 KiB (`--ram-mb` starts at 1 MB; tests set smaller budgets to cut
  /// segments).
  var maxFileBytes: UInt64 { UInt64(max(ramBudget / 8, 64 << 10)) }

  /// `opened`: a descriptor of the file, if `FilePrefetcher` opened it.
  private func outcome(_ file: Corpus.File, knownHash: UInt64?, analyzer: Analyzer, opened: Int32?) throws -> Outcome {
    guard file.size <= maxFileBytes else {
      if let opened { close(opened) }
      return .tooLarge(bytes: file.size)
    }
    let bytes: [UInt8]
    do {
      bytes = try FileSystem.readFile(file.path, opened: opened)
    } catch let error as AISearchError {
      return .unreadable(error.message)
    }
    let hash = contentHash(bytes)
    if hash == knownHash { return .sameContent(bytes: UInt64(bytes.count)) }
    if TextDecoder.looksBinary(bytes) { return .binary(bytes: UInt64(bytes.count)) }
    let document = reader.read(bytes: bytes, path: file.path, format: DocumentReader.format(ofPath: file.path))
    return .document(try SegmentWriter.analyze(document, with: analyzer), hash: hash, bytes: UInt64(bytes.count))
  }

  private func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }

  /// Removes segments whose passages are all deleted and renumbers the files' references.
  private func dropEmptySegments(_ manifest: Manifest) -> Manifest {
    var result = manifest
    var newIndex: [Int?] = []
    result.segments = []
    for segment in manifest.segments {
      if segment.deleted.count == Int(segment.passageCount) {
        newIndex.append(nil)
      } else {
        newIndex.append(result.segments.count)
        result.segments.append(segment)
      }
    }
    for i in result.files.indices {
      if result.files[i].passageCount == 0 {
        result.files[i].segment = 0
        result.files[i].firstPassage = 0
      } else if let mapped = newIndex[result.files[i].segment] {
        result.files[i].segment = mapped
      }
    }
    return result
  }

  /// Removes the files of segments of `generation` (sG, sG_1, …, sGm) and a manifest left
  /// half written.
  private func removeFiles(ofGeneration generation: UInt64) {
    let prefix = "s\(generation)"
    removeSegmentFiles { $0 == prefix || $0 == prefix + "m" || $0.hasPrefix(prefix + "_") }
  }

  /// Deletes segment files no longer named by the manifest, and leftovers of a killed run.
  private func removeUnreferencedFiles(_ manifest: Manifest) {
    let live = Set(manifest.segments.map(\.name))
    removeSegmentFiles { !live.contains($0) }
  }

  /// Removes the files of the segments `isRemoved` names (by segment name, the file name
  /// before its extension), and a manifest left half written.
  private func removeSegmentFiles(where isRemoved: (String) -> Bool) {
    guard let names = try? FileSystem.list(directory) else { return }
    for name in names {
      let base = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
      let ext = name.split(separator: ".").last.map(String.init) ?? ""
      let isSegmentFile = name.hasPrefix("s") && SegmentReader.extensions.contains(ext)
      if (isSegmentFile && isRemoved(base)) || name == Manifest.fileName + ".tmp" {
        FileSystem.remove(directory + "/" + name)
      }
    }
  }
}

/// One segment write at a time on a thread of its own; its error is thrown by the next
/// `finish()`.
private final class BackgroundWrite: @unchecked Sendable {
  private let queue = DispatchQueue(label: "aisearch.segment-write")
  private let group = DispatchGroup()
  // Written by the write's thread, read after `group.wait()`.
  private var failure: Error?
  /// Whether a write was started and not yet finished (it may have ended meanwhile).
  private(set) var isPending = false

  /// Runs `write` once the write before it has finished.
  func start(_ write: @escaping () throws -> Void) {
    isPending = true
    queue.async(group: group) {
      do { try write() } catch { self.failure = error }
    }
  }

  /// Waits for the write in progress, if any; throws its error.
  func finish() throws {
    group.wait()
    isPending = false
    if let failure {
      self.failure = nil
      throw failure
    }
  }

  /// Waits without throwing (on the way out of a failed run).
  func wait() { group.wait() }
}

/// glibc's malloc_trim (<malloc.h> is not in Swift's Glibc module): returns freed heap
/// pages, in every arena, to the system.
@_silgen_name("malloc_trim")
private func releaseFreedMemory(_ pad: Int) -> Int32
