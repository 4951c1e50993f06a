import Dispatch
import FoundationEssentials
import Synchronization

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
  /// The memory the segment being built may take before it is written out (flushed) and a
  /// new one started; a run still makes one commit, however many segments it flushes.
  public internal(set) var ramBudget: Int
  private let lock: WriterLock
  private var analyzers: [Analyzer] = []
  private var analyzerFolding: HanFolding?
  private let reader = DocumentReader()

  /// Opens `directory` for writing (creating it) with `workers` analysis threads (default:
  /// one per core) and a RAM budget for the segment being built.
  public init(directory: String, workers: Int? = nil, ramBudgetMB: Int = 256) throws {
    self.directory = directory
    self.workers = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
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
    var manifest = rebuild ? Manifest() : (previous ?? Manifest())
    manifest.generation = max(previous?.generation ?? 0, IndexWriter.highestSegmentGeneration(in: directory)) + 1
    manifest.analyzerVersion = Analyzer.version
    if manifest.segments.isEmpty {
      // A new index takes the folding of this machine's ICU; an existing one keeps its own.
      manifest.folding = try HanFolding.fromICU()
    }
    if analyzers.isEmpty || analyzerFolding != manifest.folding {
      analyzers = try (0..<workers).map { _ in try Analyzer(folding: manifest.folding) }
      analyzerFolding = manifest.folding
    }

    var known: [String: Int] = [:]
    for (i, file) in manifest.files.enumerated() { known[file.path] = i }
    var keep = [Bool](repeating: true, count: manifest.files.count)
    var seen = Set<String>()
    let segmentName = "s\(manifest.generation)"
    var segment = SegmentWriter()
    var flushed: [Manifest.Segment] = []
    var newFiles: [Manifest.SourceFile] = []
    /// Writes the buffered segment as s<generation>, then s<generation>_1, _2, …
    func flush() throws {
      guard segment.passageCount > 0 else { return }
      let name = flushed.isEmpty ? segmentName : segmentName + "_\(flushed.count)"
      try segment.write(directory: directory, name: name)
      flushed.append(
        Manifest.Segment(
          name: name, passageCount: UInt32(segment.passageCount), tokenCount: segment.tokenCount,
          titleTokenCount: segment.titleTokenCount, deleted: []))
      segment = SegmentWriter()
      // The buffered segment was freed in pieces, many of them allocated on worker threads
      // (their own malloc arenas); give the pages back so the budget bounds resident memory.
      _ = releaseFreedMemory(0)
    }
    var metadataChanged = false

    var toRead: [(file: Corpus.File, existing: Int?)] = []
    for file in scan.files {
      seen.insert(file.path)
      let existing = known[file.path]
      if let existing, manifest.files[existing].size == file.size,
        manifest.files[existing].modifiedNanoseconds == file.modifiedNanoseconds
      {
        summary.unchanged += 1
      } else {
        toRead.append((file, existing))
      }
    }
    // Files are read and analyzed in batches on all workers, then added in corpus order,
    // so the index does not depend on the number of workers or on thread timing.
    let bytesTotal = toRead.reduce(UInt64(0)) { $0 + $1.file.size }
    var bytesDone: UInt64 = 0
    var batches: [Range<Int>] = []
    var batchStart = 0
    while batchStart < toRead.count {
      var batchEnd = batchStart
      var batchBytes: UInt64 = 0
      while batchEnd < toRead.count && (batchEnd == batchStart || batchBytes < IndexWriter.batchBytes) {
        batchBytes += toRead[batchEnd].file.size
        batchEnd += 1
      }
      batches.append(batchStart..<batchEnd)
      batchStart = batchEnd
    }
    let knownHashes = toRead.map { $0.existing.map { manifest.files[$0].contentHash } }
    // While this thread adds one batch to the segment (or writes a full segment out), the
    // workers analyze the next ones.
    let pipeline = AnalysisPipeline { range in
      try self.readAndAnalyze(toRead[range].map(\.file), knownHashes: Array(knownHashes[range]))
    }
    for range in batches.prefix(IndexWriter.batchesAhead) { pipeline.start(range) }
    for (b, range) in batches.enumerated() {
      let outcomes = try pipeline.wait()
      if b + IndexWriter.batchesAhead < batches.count { pipeline.start(batches[b + IndexWriter.batchesAhead]) }
      let batch = Array(toRead[range])
      let batchBytes = batch.reduce(UInt64(0)) { $0 + $1.file.size }
      let batchEnd = range.upperBound
      for (i, outcome) in outcomes.enumerated() {
        let (file, existing) = batch[i]
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
        case .document(let analyzed, let hash, let bytes):
          summary.bytesRead += bytes
          for warning in analyzed.document.warnings { summary.warnings.append((file.path, warning)) }
          let first = try segment.add(analyzed)
          newFiles.append(
            Manifest.SourceFile(
              path: file.path, size: file.size, modifiedNanoseconds: file.modifiedNanoseconds, contentHash: hash,
              segment: manifest.segments.count + flushed.count, firstPassage: first,
              passageCount: UInt32(analyzed.document.passages.count)))
          if segment.estimatedBytes + analysisReserve >= ramBudget { try flush() }
          if let existing {
            keep[existing] = false
            summary.changed += 1
          } else {
            summary.added += 1
          }
        }
      }
      bytesDone += batchBytes
      progress?(Progress(filesDone: batchEnd, filesTotal: toRead.count, bytesDone: bytesDone, bytesTotal: bytesTotal))
    }
    for (i, file) in manifest.files.enumerated()
    where keep[i] && !seen.contains(file.path) && Corpus.isUnder(file.path, roots: scan.roots) {
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
    manifest.segments.append(contentsOf: flushed)
    manifest.files.append(contentsOf: newFiles)
    manifest = dropEmptySegments(manifest)
    manifest.files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
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

  /// Bytes of source read and analyzed per batch, and batches analyzed ahead of the one
  /// being added: together they bound the memory held by analyzed documents waiting to be
  /// added. With one batch ahead the workers idled whenever adding a batch or writing a
  /// segment took longer than analyzing the next.
  static let batchBytes: UInt64 = 1 << 20
  static let batchesAhead = 2

  /// The part of the RAM budget kept for the batches being analyzed while the segment
  /// fills: analyzed, a batch takes about 8 times its input (15 MB for 2 MB measured on the
  /// large tier), and up to `batchesAhead` + 1 are held; at most a quarter of the budget.
  var analysisReserve: Int {
    min(ramBudget / 4, (IndexWriter.batchesAhead + 1) * Int(IndexWriter.batchBytes) * 8)
  }

  private enum Outcome {
    case unreadable(String)
    case sameContent(bytes: UInt64)
    case binary(bytes: UInt64)
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

  /// Runs batches' analysis in the background, one batch at a time in the order started
  /// (each on all workers, whose analyzers are not shared), while the caller works on
  /// earlier ones: `start` batches, then `wait` for their outcomes in the same order.
  private final class AnalysisPipeline {
    private let work: (Range<Int>) throws -> [Outcome]
    private let queue = DispatchQueue(label: "aisearch.analysis")
    private let finished = DispatchSemaphore(value: 0)
    private let results = Mutex<[Result<[Outcome], Error>]>([])

    init(_ work: @escaping (Range<Int>) throws -> [Outcome]) {
      self.work = work
    }

    func start(_ range: Range<Int>) {
      queue.async {
        let result = Result { try self.work(range) }
        self.results.withLock { $0.append(result) }
        self.finished.signal()
      }
    }

    func wait() throws -> [Outcome] {
      finished.wait()
      let result = results.withLock { $0.removeFirst() }
      return try result.get()
    }
  }

  /// Reads, hashes, decodes and analyzes `files` on all workers; outcomes in input order.
  private func readAndAnalyze(_ files: [Corpus.File], knownHashes: [UInt64?]) throws -> [Outcome] {
    var outcomes = [Outcome?](repeating: nil, count: files.count)
    let failure = Mutex<Error?>(nil)
    let workerCount = min(workers, files.count)
    // Files are claimed one at a time, so a worker that drew a large file does not hold up
    // the batch while the others wait (fixed strides: medium tier 141% CPU, 3.4 s wall;
    // claimed: 152%, 3.2 s).
    let nextFile = Atomic<Int>(0)
    outcomes.withUnsafeMutableBufferPointer { slots in
      // Each worker owns one analyzer (ICU iterators are not thread-safe) and writes only
      // the slots of the files it claimed, so the buffer needs no lock.
      DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
        let analyzer = analyzers[worker]
        while true {
          let i = nextFile.wrappingAdd(1, ordering: .relaxed).oldValue
          guard i < files.count else { break }
          do {
            slots[i] = try outcome(files[i], knownHash: knownHashes[i], analyzer: analyzer)
          } catch {
            failure.withLock { if $0 == nil { $0 = error } }
          }
        }
      }
    }
    if let error = failure.withLock({ $0 }) { throw error }
    return outcomes.map { $0! }
  }

  private func outcome(_ file: Corpus.File, knownHash: UInt64?, analyzer: Analyzer) throws -> Outcome {
    let bytes: [UInt8]
    do {
      bytes = try FileSystem.readFile(file.path)
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

  /// Deletes segment files no longer named by the manifest, and leftovers of a killed run.
  private func removeUnreferencedFiles(_ manifest: Manifest) {
    let live = Set(manifest.segments.map(\.name))
    guard let names = try? FileSystem.list(directory) else { return }
    for name in names {
      let base = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
      let ext = name.split(separator: ".").last.map(String.init) ?? ""
      let isSegmentFile = name.hasPrefix("s") && SegmentReader.extensions.contains(ext)
      if (isSegmentFile && !live.contains(base)) || name == Manifest.fileName + ".tmp" {
        FileSystem.remove(directory + "/" + name)
      }
    }
  }
}

/// glibc's malloc_trim (<malloc.h> is not in Swift's Glibc module): returns freed heap
/// pages, in every arena, to the system.
@_silgen_name("malloc_trim")
private func releaseFreedMemory(_ pad: Int) -> Int32
