import CZstd
import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Stored documents and passages: what a hit prints (text and citation).
///
///     Passages file  --> Header "PASS", CompressedBlocks, Dictionary, DocumentRecords,
///                        <RestartOffset u64>^(RestartCount+1),
///                        <FirstPassage u32>^(DocumentCount+1), <Block>^BlockCount,
///                        DocumentCount u32, PassageCount u32, BlockCount u32,
///                        DictionaryLength u32, Footer
///     Block          --> FirstPassage u32, Offset u64, RawLength u32
///     DocumentRecord --> SharedPathBytes varint, PathSuffix string, Title ostring,
///                        URL ostring, Date ostring, TagCount varint, <Tag string>^TagCount
///     compressed block (magicless zstd frame) --> <RecordLength varint, PassageRecord>^n
///     PassageRecord  --> LineStart varint, LineSpan varint, Section ostring, Text string
///
/// The blocks come first and the tables after them, so that the writer appends each block
/// to the file as it is compressed (a segment's compressed text is not held in memory); a
/// reader finds the counts just before the footer and each table from the one after it.
/// A block ends where the next one starts (the last where the Dictionary does); its frame
/// has no magic number, dictionary id or content size (`trimFrames`). Documents are in
/// `DocumentOrder`, and each path keeps SharedPathBytes leading bytes of the previous document's
/// (0 for every `documentRestart`-th document, where a run of records restarts) and adds
/// PathSuffix: on the large tier, 23.0 → 6.5 MB of records. RestartCount is
/// ⌈DocumentCount / documentRestart⌉; RestartOffset r is where document r·documentRestart's
/// record starts and the last one where the records end, both relative to the start of
/// DocumentRecords; block Offsets are relative to the start of CompressedBlocks. A
/// document's passages are consecutive: FirstPassage[d] is the id of
/// document d's first passage and FirstPassage[DocumentCount] = PassageCount, so filters on
/// paths, dates and tags map documents to passage ranges without decompressing, and a
/// passage's document is found there (a record does not repeat it). A passage spans lines
/// LineStart through LineStart + LineSpan. Passages
/// are packed in order into blocks of about `blockSize` raw bytes, each compressed on its
/// own with zstd against the segment's Dictionary (trained by zstd's ZDICT on a sample of
/// the records of the run's first segment; DictionaryLength 0 when that is too small to
/// train one), so fetching a hit decompresses one small block.
/// A string is a varint byte length and UTF-8; an ostring (optional string) is 0 when
/// absent, else 1 + byte length, then UTF-8.
///
/// Example: one document "a.md" titled "T", untagged, with one passage "hi" on line 3,
/// outside any section: a frame of n bytes holding 06 | 03 00 00 02 "hi", no
/// dictionary, DocumentRecords 00 04 "a.md" 02 "T" 00 00 00, RestartOffsets 0, 11,
/// FirstPassage 0, 1, Block (0, 0, 7), then DocumentCount 1, PassageCount 1, BlockCount 1,
/// DictionaryLength 0.
enum PassageStore {
  /// Raw bytes per compressed block, the zstd level and the dictionary size. Measured on the
  /// medium benchmark tier's 26.3 MB of passage text (docs/analysis.md): 32 KiB blocks at
  /// level 6 without a dictionary → 9.06 MB, 44 µs to decompress one; 8 KiB blocks with a
  /// 112 KiB dictionary → 8.56 MB, 13 µs; 4 KiB → 9.01 MB, 8 µs. Reading a hit's passage
  /// was a third of a query's time with 32 KiB blocks. A 256 KiB dictionary at level 5
  /// compresses to less than 112 KiB at level 6 (8.45 against 8.58 MB) at 1.5 times the
  /// speed (compression was a sixth of indexing time). On the large tier, 6 KiB blocks
  /// against 8 KiB: passages 429.0 → 436.3 MB (the index 0.794× Lucene's), a search from a
  /// new process 18.4 → 16.4 and 19.7 → 16.3 ms (two alternating runs of the 10 cold
  /// queries), warm latency unchanged; every hit and each of its copies costs one block.
  /// Level 4 (greedy matching) against 5 (lazy), once the postings' exceptions had made
  /// room: the large tier's passages 427.1 → 450.1 MB (the index 0.750 → 0.770× Lucene's),
  /// its build 99.3/96.9 → 94.9/79.4 s of user time (alternating runs); zstd's compression
  /// alone runs at about twice the speed (192 against 81–91 MB/s on one segment). 4 KiB
  /// blocks against 6 KiB, the same binary over both large-tier indexes, alternately:
  /// passages 450.7 → 460.3 MB (the index 0.771 → 0.780× Lucene's), the 10 cold queries'
  /// median over six rounds 13.2 → 11.9 ms, warm latency unchanged (hits identical), and
  /// zstd compresses small blocks as fast per byte (177–190 against 183–188 MB/s). Level 2
  /// (zstd's fast strategy: one hash table, no chain) against 4, once format 13 had made
  /// room: the large tier's passages +38.6 MB (the index 0.787× Lucene's), its build 7–9 s
  /// less user time of 64–70 (both binaries at once, each on a core of its own, `--jobs 1`);
  /// level 3 was as slow as 4.
  static let blockSize = 4 << 10
  static let compressionLevel: Int32 = 2
  static let dictionarySize = 256 << 10
  /// The dictionary is trained with fastCover at fixed parameters (segments of 200 bytes,
  /// 6-byte d-mers, the level the blocks are compressed at) instead of
  /// ZDICT_trainFromBuffer's defaults (8-byte d-mers, the segment size picked on a held-out
  /// share of the samples at zstd's default level): the medium tier's passages file 10.35 →
  /// 10.08 MB, the large tier's index 918.6 → 910.8 MB, and the training takes about half
  /// the time. A 512 KiB dictionary saved 0.7% more on the medium tier, less than its
  /// size in every segment of the large one.
  static let dictionarySegmentSize: UInt32 = 200
  static let dictionaryDmerSize: UInt32 = 6
  /// Records sampled to train the dictionary (zstd advises about 100 × its size): every
  /// `dictionarySampleStride`-th record from a segment's start, or an even share of all
  /// records of a segment that ends before. Trained on its first 4 MB alone, the medium
  /// tier's passages took 6% more space than with a sample spread over the whole segment;
  /// every eighth record over the first 32 MB comes within 1%, and holds no more than
  /// those 32 MB uncompressed while it waits.
  static let dictionarySampleBytes = 4 << 20
  static let dictionarySampleStride = 8

  /// Document records are read from a restart every this many (each path is stored as
  /// the bytes it shares with the previous one and the rest).
  static let documentRestart = 16

  /// A block's frame leaves out what the file already knows: the magic number, the
  /// dictionary's id (a segment has one dictionary) and the content size (RawLength).
  /// Ten bytes of each of the large tier's 270,000 frames.
  fileprivate static func trimFrames(_ context: OpaquePointer) {
    // ZSTD_c_format, a macro Swift does not import.
    ZSTD_CCtx_setParameter(context, ZSTD_c_experimentalParam2, Int32(ZSTD_f_zstd1_magicless.rawValue))
    ZSTD_CCtx_setParameter(context, ZSTD_c_dictIDFlag, 0)
    ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0)
  }

  struct StoredDocument: Equatable {
    var path: String
    var title: String?
    var url: String?
    var date: String?
    var tags: [String] = []
  }

  struct StoredPassage: Equatable {
    var document: Int
    var lineStart: Int
    var lineEnd: Int
    var section: String?
    var text: String
  }

  /// Passages must come grouped by document, in document order.
  static func serialize(documents: [StoredDocument], passages: [StoredPassage]) throws -> [UInt8] {
    let writer = try Writer()
    try writer.add(documents: documents, passages: passages)
    return Array(try writer.finish().joined())
  }

  /// Builds a passages file as documents and passages arrive: each passage becomes its
  /// record at once, and full blocks are compressed on a background thread while the
  /// caller goes on (a segment's stored text is never held whole, and its compression,
  /// a fifth of indexing time, no longer waits for the segment's flush).
  ///
  /// The dictionary is trained on a sample of the first records (`dictionarySampleBytes`,
  /// `dictionarySampleStride`); blocks wait uncompressed until then. Or it is one trained
  /// before (`Trained`), by the first segment of the same run: the later segments neither
  /// hold 32 MB of blocks and 32 MB of samples while they wait for it (the first 120 MB of
  /// each segment's growth on the large tier) nor train again. The file depends only on
  /// what was added and the dictionary given.
  final class Writer {
    private var documentRecords = ByteWriter()
    /// Where each run of `documentRestart` records starts, relative to DocumentRecords.
    private var restartOffsets: [UInt64] = []
    private var previousPath: [UInt8] = []
    private var firstPassages: [UInt32] = []
    private(set) var passageCount = 0
    private var raw = ByteWriter()
    private var rawFirst = 0
    /// Full blocks not yet handed to the compressor (before the dictionary exists).
    private var waiting: [(first: Int, bytes: [UInt8])] = []
    private var waitingBytes = 0
    /// Records kept to train the dictionary on.
    private var samples: [UInt8] = []
    private var sampleSizes: [Int] = []
    private var compressor: Compressor? = nil
    private var failure: AISearchError? = nil
    // Filled on the compression queue, read once it has drained.
    private var blocks: [(first: UInt32, offset: UInt64, compressed: UInt32, raw: UInt32)] = []
    /// Where the file is written (nil: in memory), and the file once its first bytes are
    /// (a writer that never stores a block leaves no file behind).
    private let path: String?
    private var file: FileAppender?
    /// Without a file: the file's bytes so far, in chunks of about `chunkSize` (one growing
    /// array would at times hold its old and its new storage at once).
    private var chunks: [[UInt8]] = []
    /// Whether the header is out (the file opened), and the CRC-32 of the bytes so far.
    private var started = false
    private var crc = CRC32.initial
    private var compressedCount = 0
    private static let chunkSize = 4 << 20
    private let queue = DispatchQueue(label: "aisearch.passage-compression")
    /// Full blocks not yet handed to the compression queue: they go `batchSize` at a time
    /// (one hand-over per block woke the compression thread 180,000 times on the large tier).
    private var unsent: [(first: Int, bytes: [UInt8])] = []
    private static let batchSize = 8
    /// Bounds the batches queued for compression (about 1 MB of blocks).
    private let slots = DispatchSemaphore(value: 16)
    /// Bytes of the blocks compressed before the queue started (the ones that waited for
    /// the dictionary) and their ratio of compressed to raw size; raw bytes handed to the
    /// queue since.
    private var firstCompressedBytes = 0
    private var firstRatio = 1.0
    private var submittedBytes = 0

    /// A dictionary as a store trained it, with the ratio its first blocks compressed at
    /// (the estimate's ratio, for a store that starts with it).
    struct Trained {
      var dictionary: [UInt8]
      var ratio: Double
    }

    /// Writes the file at `path` as blocks are compressed (nil: builds it in memory, to be
    /// returned by `finish`). A segment's compressed passages are written as they come
    /// instead of held until its flush (large tier: about 57 MB per segment).
    init(path: String? = nil, dictionary trained: Trained? = nil) throws {
      self.path = path
      if let trained, !trained.dictionary.isEmpty {
        compressor = try Compressor(dictionary: trained.dictionary)
        firstRatio = trained.ratio
      }
    }

    /// The dictionary this store trained, once it has (nil for one given to it, or none).
    private(set) var trained: Trained? = nil

    /// Memory held: records waiting for the dictionary, compressed blocks not written to
    /// a file, and the document records. Without a file, the blocks handed to the queue
    /// count at the ratio the first blocks compressed at, not as far as the queue has got:
    /// the writer flushes on this estimate, and what the compression thread had done by
    /// then made the cut, so the index, differ from run to run. The queue itself holds at
    /// most `slots` blocks.
    var estimatedBytes: Int {
      let compressedHeld = path != nil ? 0 : firstCompressedBytes + Int(Double(submittedBytes) * firstRatio)
      return waitingBytes + samples.count + raw.count + compressedHeld + documentRecords.count + 24 * firstPassages.count
    }

    func add(_ document: StoredDocument) {
      if firstPassages.count % PassageStore.documentRestart == 0 {
        restartOffsets.append(UInt64(documentRecords.count))
        previousPath.removeAll()
      }
      documentRecords.frontCoded(Array(document.path.utf8), after: &previousPath)
      documentRecords.optionalString(document.title)
      documentRecords.optionalString(document.url)
      documentRecords.optionalString(document.date)
      documentRecords.varint(document.tags.count)
      for tag in document.tags { documentRecords.string(tag) }
      firstPassages.append(UInt32(passageCount))
    }

    /// Adds a passage of the last document added.
    func add(_ passage: StoredPassage) throws {
      var text = passage.text
      try text.withUTF8 { text in
        try addPassage(
          document: passage.document, lineStart: passage.lineStart, lineEnd: passage.lineEnd, section: passage.section,
          text: text)
      }
    }

    /// Adds a passage of the last document added, its text as UTF-8.
    func addPassage(document: Int, lineStart: Int, lineEnd: Int, section: String?, text: UnsafeBufferPointer<UInt8>) throws {
      precondition(document == firstPassages.count - 1, "passages must follow their document")
      precondition(lineEnd >= lineStart, "a passage ends on or after the line it starts on")
      // Written straight into the block, its length first (a record of its own per passage
      // was an allocation and a copy for each of the large tier's 2.5 M passages).
      let length =
        ByteWriter.varintSize(lineStart) + ByteWriter.varintSize(lineEnd - lineStart)
        + ByteWriter.optionalStringSize(section) + ByteWriter.varintSize(text.count) + text.count
      raw.varint(length)
      let recordStart = raw.count
      raw.varint(lineStart)
      raw.varint(lineEnd - lineStart)
      raw.optionalString(section)
      raw.varint(text.count)
      raw.bytes.append(contentsOf: text)
      assert(raw.count - recordStart == length)
      if compressor == nil && passageCount % PassageStore.dictionarySampleStride == 0 {
        samples.append(contentsOf: raw.bytes[recordStart...])
        sampleSizes.append(length)
        if samples.count >= PassageStore.dictionarySampleBytes { try startCompressing() }
      }
      passageCount += 1
      if raw.count >= PassageStore.blockSize { try endBlock() }
    }

    private func endBlock() throws {
      guard !raw.bytes.isEmpty else { return }
      let block = (first: rawFirst, bytes: raw.bytes)
      raw.bytes.removeAll(keepingCapacity: true)
      rawFirst = passageCount
      if compressor != nil {
        submittedBytes += block.bytes.count
        unsent.append(block)
        if unsent.count >= Writer.batchSize { submitUnsent() }
      } else {
        waiting.append(block)
        waitingBytes += block.bytes.count
      }
    }

    /// Trains the dictionary on the samples (none for a small store, where ZDICT lacks
    /// material and a dictionary gains nothing) and compresses the blocks waiting for it.
    /// A store that ends before its sample is complete still holds every record: the
    /// sample is then an even share of all of them.
    private func startCompressing() throws {
      if samples.count < PassageStore.dictionarySampleBytes {
        samples = []
        sampleSizes = []
        let total = waitingBytes + raw.count
        let step = max(1, total / PassageStore.dictionarySampleBytes)
        var index = 0
        for block in waiting.map(\.bytes) + [raw.bytes] {
          try block.withUnsafeBytes { bytes in
            var reader = ByteReader(bytes, range: 0..<bytes.count, path: "passage block")
            while !reader.isAtEnd {
              let length = try reader.count(max: bytes.count - reader.offset)
              if index % step == 0 {
                samples.append(contentsOf: bytes[reader.offset..<(reader.offset + length)])
                sampleSizes.append(length)
              }
              reader.offset += length
              index += 1
            }
          }
        }
      }
      let compressor = try Compressor(dictionary: PassageStore.trainDictionary(samples, sizes: sampleSizes))
      self.compressor = compressor
      samples = []
      sampleSizes = []
      // The blocks that waited (up to 32 MB, or a whole small store) are compressed here
      // on every core, each thread with its own context.
      var frames = [Result<[UInt8], AISearchError>](repeating: .success([]), count: waiting.count)
      let threads = min(waiting.count, max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
      frames.withUnsafeMutableBufferPointer { results in
        let waiting = self.waiting
        DispatchQueue.concurrentPerform(iterations: max(threads, 1)) { thread in
          let context = thread == 0 ? compressor : (try? compressor.sibling())
          for i in stride(from: thread, to: waiting.count, by: max(threads, 1)) {
            results[i] = context?.compress(waiting[i].bytes) ?? .failure(AISearchError(.io, "zstd: out of memory"))
          }
        }
      }
      for (block, frame) in zip(waiting, frames) { try store(block, frame.get()) }
      firstCompressedBytes = compressedCount
      if waitingBytes > 0 { firstRatio = Double(compressedCount) / Double(waitingBytes) }
      if !compressor.dictionaryBytes.isEmpty { trained = Trained(dictionary: compressor.dictionaryBytes, ratio: firstRatio) }
      waiting = []
      waitingBytes = 0
    }

    /// Appends a compressed block (on the compression queue, or before it is used).
    private func store(_ block: (first: Int, bytes: [UInt8]), _ frame: [UInt8]) throws {
      blocks.append((UInt32(block.first), UInt64(compressedCount), UInt32(frame.count), UInt32(block.bytes.count)))
      try emit(frame)
      compressedCount += frame.count
    }

    /// Appends bytes to the file (or to the chunks of one in memory).
    private func emit(_ bytes: [UInt8]) throws {
      if !started {
        file = try path.map { try FileAppender($0) }
        try append(FileFormat.header(.passages).bytes)
        started = true
      }
      try append(bytes)
    }

    private func append(_ bytes: [UInt8]) throws {
      crc = CRC32.update(crc, bytes)
      if let file {
        try file.append(bytes)
        return
      }
      if chunks.isEmpty || chunks[chunks.count - 1].count + bytes.count > Writer.chunkSize {
        chunks.append([])
        chunks[chunks.count - 1].reserveCapacity(max(Writer.chunkSize, bytes.count))
      }
      chunks[chunks.count - 1].append(contentsOf: bytes)
    }

    private func submitUnsent() {
      guard !unsent.isEmpty else { return }
      slots.wait()
      let batch = unsent
      unsent.removeAll(keepingCapacity: true)
      queue.async { [self] in
        defer { slots.signal() }
        for block in batch {
          guard failure == nil else { return }
          do {
            try store(block, compressor!.compress(block.bytes).get())
          } catch let error as AISearchError {
            failure = error
          } catch {
            failure = AISearchError(.io, "\(error)")
          }
        }
      }
    }

    /// Writes the tables after the compressed blocks, and the footer; returns the file's
    /// bytes in pieces when it was built in memory (nothing when it was written, then
    /// fsynced).
    func finish() throws -> [[UInt8]] {
      if compressor == nil { try startCompressing() }
      try endBlock()
      submitUnsent()
      queue.sync {}
      if let failure { throw failure }
      let documentCount = firstPassages.count
      try emit(compressor!.dictionaryBytes)
      try emit(documentRecords.bytes)
      var writer = ByteWriter()
      for offset in restartOffsets + [UInt64(documentRecords.count)] { writer.u64(offset) }
      for first in firstPassages { writer.u32(first) }
      writer.u32(UInt32(passageCount))
      for block in blocks {
        writer.u32(block.first)
        writer.u64(block.offset)
        writer.u32(block.raw)
      }
      writer.u32(UInt32(documentCount))
      writer.u32(UInt32(passageCount))
      writer.u32(UInt32(blocks.count))
      writer.u32(UInt32(compressor!.dictionaryBytes.count))
      try emit(writer.bytes)
      var footer = ByteWriter()
      footer.u32(CRC32.finish(crc))
      footer.bytes.append(contentsOf: FileFormat.footerMagic)
      if let file {
        try file.append(footer.bytes)
        try file.finish()
        return []
      }
      return chunks + [footer.bytes]
    }
  }

  /// A zstd dictionary trained on `samples` (records of `sizes` bytes each), or none when
  /// there are too few to train one (ZDICT needs a few dozen samples; a tiny segment gains
  /// nothing).
  ///
  /// Consecutive sampled records are handed to ZDICT joined into samples of a block's size,
  /// the unit the dictionary is used on: one record per sample (426 bytes on average), as
  /// before, fitted the dictionary's entropy tables to frames far smaller than the blocks,
  /// and ZDICT's final pass reset a compression context for each sample. On three
  /// large-tier segments: passages 0.34–0.85% smaller, training 0.17–0.21 → 0.09–0.11 s.
  static func trainDictionary(_ samples: [UInt8], sizes records: [Int]) -> [UInt8] {
    guard records.count >= 64, samples.count >= 4 * dictionarySize else { return [] }
    var sizes: [Int] = []
    for size in records {
      if (sizes.last ?? blockSize) >= blockSize { sizes.append(0) }
      sizes[sizes.count - 1] += size
    }
    var dictionary = [UInt8](repeating: 0, count: dictionarySize)
    var parameters = ZDICT_fastCover_params_t()
    parameters.k = PassageStore.dictionarySegmentSize
    parameters.d = PassageStore.dictionaryDmerSize
    parameters.f = 20
    parameters.accel = 1
    parameters.zParams.compressionLevel = PassageStore.compressionLevel
    let size = dictionary.withUnsafeMutableBytes { target in
      samples.withUnsafeBytes { source in
        ZDICT_trainFromBuffer_fastCover(target.baseAddress, target.count, source.baseAddress, sizes, UInt32(sizes.count), parameters)
      }
    }
    guard ZDICT_isError(size) == 0 else { return [] }
    dictionary.removeSubrange(size...)
    return dictionary
  }

  /// zstd compression of blocks against the segment's dictionary, digested once.
  private final class Compressor {
    private let context: OpaquePointer
    private let dictionary: OpaquePointer?
    let dictionaryBytes: [UInt8]

    /// The compressor that made the dictionary and frees it.
    private let owner: Compressor?

    init(dictionary bytes: [UInt8]) throws {
      guard let context = ZSTD_createCCtx() else { throw AISearchError(.io, "zstd: out of memory") }
      self.context = context
      dictionaryBytes = bytes
      dictionary =
        bytes.isEmpty
        ? nil : bytes.withUnsafeBytes { ZSTD_createCDict($0.baseAddress, $0.count, PassageStore.compressionLevel) }
      owner = nil
      Compressor.prepare(context, dictionary)
    }

    private init(sharing owner: Compressor, context: OpaquePointer) {
      self.context = context
      dictionaryBytes = owner.dictionaryBytes
      dictionary = owner.dictionary
      self.owner = owner
      Compressor.prepare(context, dictionary)
    }

    /// Every frame of `context` references the digested dictionary's tables in place (zstd
    /// decides per frame whether to attach or copy them; attaching always compressed
    /// 6 KiB blocks of the medium tier's passages 10% faster, to the same bytes), or is
    /// compressed at the blocks' level without one.
    private static func prepare(_ context: OpaquePointer, _ dictionary: OpaquePointer?) {
      PassageStore.trimFrames(context)
      if let dictionary {
        // ZSTD_c_forceAttachDict, a macro Swift does not import.
        ZSTD_CCtx_setParameter(context, ZSTD_c_experimentalParam4, Int32(ZSTD_dictForceAttach.rawValue))
        ZSTD_CCtx_refCDict(context, dictionary)
      } else {
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, PassageStore.compressionLevel)
      }
    }

    /// A compressor with a context of its own and this one's dictionary, for another thread.
    func sibling() throws -> Compressor {
      guard let context = ZSTD_createCCtx() else { throw AISearchError(.io, "zstd: out of memory") }
      return Compressor(sharing: self, context: context)
    }

    deinit {
      ZSTD_freeCCtx(context)
      if owner == nil, let dictionary { ZSTD_freeCDict(dictionary) }
    }

    /// One block as one zstd frame.
    func compress(_ bytes: [UInt8]) -> Result<[UInt8], AISearchError> {
      var output = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
      let size = bytes.withUnsafeBytes { source in
        output.withUnsafeMutableBytes { target in
          ZSTD_compress2(context, target.baseAddress, target.count, source.baseAddress, source.count)
        }
      }
      guard ZSTD_isError(size) == 0 else {
        return .failure(AISearchError(.io, "zstd failed to compress passages: \(String(cString: ZSTD_getErrorName(size)))"))
      }
      output.removeSubrange(size...)
      return .success(output)
    }
  }

  /// A mapped passages file. Keeps the last decompressed block: hits and their duplicates
  /// often sit in one block.
  final class Reader {
    let file: MappedFile
    let documentCount: Int
    let passageCount: Int
    private let blockCount: Int
    private let restartOffsetsStart: Int
    private let restartCount: Int
    private let firstPassagesStart: Int
    private let blocksStart: Int
    private let documentsStart: Int
    private let compressedStart: Int
    private let dictionaryStart: Int
    private let dictionaryLength: Int
    private var cachedBlock = -1
    private var cachedBytes: [UInt8] = []
    /// The digested dictionary, made on the first fetch. It refers to the mapped bytes
    /// instead of copying them: a search touches the pages of the dictionary it uses only.
    private var dictionary: OpaquePointer?

    deinit {
      if let dictionary { ZSTD_freeDDict(dictionary) }
    }

    init(_ file: MappedFile, expectedPassages: Int) throws {
      self.file = file
      let body = try FileFormat.openBody(file.bytes, kind: .passages, path: file.path)
      guard body.count >= 16 else { throw AISearchError.corrupt(file.path, "truncated: no counts") }
      var reader = ByteReader(file.bytes, range: (body.upperBound - 16)..<body.upperBound, path: file.path)
      documentCount = Int(try reader.u32())
      passageCount = Int(try reader.u32())
      blockCount = Int(try reader.u32())
      dictionaryLength = Int(try reader.u32())
      guard passageCount == expectedPassages else {
        throw AISearchError.corrupt(file.path, "\(passageCount) passages stored, manifest says \(expectedPassages)")
      }
      // The tables end where the counts start; each is found from the one after it.
      restartCount = (documentCount + PassageStore.documentRestart - 1) / PassageStore.documentRestart
      let tablesLength = 8 * (restartCount + 1) + 4 * (documentCount + 1) + 16 * blockCount
      guard blockCount <= passageCount, tablesLength + 16 <= body.count else {
        throw AISearchError.corrupt(file.path, "tables run past the start")
      }
      blocksStart = body.upperBound - 16 - 16 * blockCount
      firstPassagesStart = blocksStart - 4 * (documentCount + 1)
      restartOffsetsStart = firstPassagesStart - 8 * (restartCount + 1)
      let documentsLength = file.bytes.loadUnaligned(fromByteOffset: firstPassagesStart - 8, as: UInt64.self).littleEndian
      guard documentsLength + UInt64(dictionaryLength) <= UInt64(restartOffsetsStart - body.lowerBound) else {
        throw AISearchError.corrupt(file.path, "document records run past the start")
      }
      documentsStart = restartOffsetsStart - Int(documentsLength)
      dictionaryStart = documentsStart - dictionaryLength
      compressedStart = body.lowerBound
    }

    func document(_ index: Int) throws -> StoredDocument {
      guard index >= 0 && index < documentCount else {
        throw AISearchError.corrupt(file.path, "document \(index) out of range")
      }
      var found: StoredDocument? = nil
      try documents(from: index) { _, document in
        found = document
        return false
      }
      guard let found else { throw AISearchError.corrupt(file.path, "document \(index) missing") }
      return found
    }

    /// Calls `body` with each document from `first` on, in order, until it returns false
    /// (each path is decoded once, from the restart before `first`).
    func documents(from first: Int = 0, _ body: (Int, StoredDocument) throws -> Bool) throws {
      guard first < documentCount else { return }
      var restart = first / PassageStore.documentRestart
      var path: [UInt8] = []
      var d = restart * PassageStore.documentRestart
      while restart < restartCount {
        let start = file.bytes.loadUnaligned(fromByteOffset: restartOffsetsStart + 8 * restart, as: UInt64.self).littleEndian
        let stop = file.bytes.loadUnaligned(fromByteOffset: restartOffsetsStart + 8 * restart + 8, as: UInt64.self).littleEndian
        guard start <= stop, stop <= UInt64(restartOffsetsStart - documentsStart) else {
          throw AISearchError.corrupt(file.path, "documents \(d)... out of bounds")
        }
        var reader = ByteReader(file.bytes, range: (documentsStart + Int(start))..<(documentsStart + Int(stop)), path: file.path)
        let end = min(documentCount, d + PassageStore.documentRestart)
        while d < end {
          if d % PassageStore.documentRestart == 0 { path.removeAll() }
          try reader.frontCoded(after: &path)
          // The records before `first` in its run are only moved past: making their strings
          // took most of a hit's document lookup.
          guard d >= first else {
            for _ in 0..<3 { try reader.skipOptionalString() }
            for _ in 0..<(try reader.count(max: 1 << 16)) { try reader.skipString() }
            d += 1
            continue
          }
          let document = StoredDocument(
            path: String(decoding: path, as: UTF8.self), title: try reader.optionalString(),
            url: try reader.optionalString(), date: try reader.optionalString(),
            tags: try (0..<reader.count(max: 1 << 16)).map { _ in try reader.string() })
          if try !body(d, document) { return }
          d += 1
        }
        guard reader.isAtEnd else { throw AISearchError.corrupt(file.path, "documents \(d - 1) overrun their run") }
        restart += 1
      }
    }

    /// The document passage `index` belongs to: the last whose FirstPassage is at most
    /// `index` (a document without passages shares its FirstPassage with the next).
    private func document(holding index: Int) throws -> Int {
      var low = 0
      var high = documentCount
      while high - low > 1 {
        let middle = (low + high) / 2
        let first = file.bytes.loadUnaligned(fromByteOffset: firstPassagesStart + 4 * middle, as: UInt32.self).littleEndian
        if Int(first) <= index { low = middle } else { high = middle }
      }
      guard low < documentCount, try passageRange(ofDocument: low).contains(index) else {
        throw AISearchError.corrupt(file.path, "passage \(index) belongs to no document")
      }
      return low
    }

    /// The passages of document `index`: [first, end) ids.
    func passageRange(ofDocument index: Int) throws -> Range<Int> {
      let first = Int(file.bytes.loadUnaligned(fromByteOffset: firstPassagesStart + 4 * index, as: UInt32.self).littleEndian)
      let end = Int(file.bytes.loadUnaligned(fromByteOffset: firstPassagesStart + 4 * index + 4, as: UInt32.self).littleEndian)
      guard first <= end, end <= passageCount else {
        throw AISearchError.corrupt(file.path, "passages of document \(index) out of range")
      }
      return first..<end
    }

    /// Block `index`'s first passage, its offset and raw length; it ends where the next
    /// block (or, for the last, the dictionary) starts.
    private func block(_ index: Int) -> (first: Int, offset: Int, compressed: Int, raw: Int) {
      let base = blocksStart + 16 * index
      let offset = Int(truncatingIfNeeded: file.bytes.loadUnaligned(fromByteOffset: base + 4, as: UInt64.self).littleEndian)
      let end =
        index + 1 < blockCount
        ? Int(truncatingIfNeeded: file.bytes.loadUnaligned(fromByteOffset: base + 20, as: UInt64.self).littleEndian)
        : dictionaryStart - compressedStart
      return (
        Int(file.bytes.loadUnaligned(fromByteOffset: base, as: UInt32.self).littleEndian), offset, end - offset,
        Int(file.bytes.loadUnaligned(fromByteOffset: base + 12, as: UInt32.self).littleEndian)
      )
    }

    /// The block holding passage `index` (binary search on FirstPassage).
    private func blockIndex(of passage: Int) -> Int {
      var low = 0
      var high = blockCount
      while high - low > 1 {
        let middle = (low + high) / 2
        // Only the block's first passage: the whole entry made this search a tenth of a
        // hit's read.
        let first = file.bytes.loadUnaligned(fromByteOffset: blocksStart + 16 * middle, as: UInt32.self).littleEndian
        if Int(first) <= passage { low = middle } else { high = middle }
      }
      return low
    }

    /// Digests the dictionary, which `passage(_:sharing:)` needs made beforehand.
    func prepareDictionary() throws {
      if dictionary == nil && dictionaryLength > 0 {
        dictionary = ZSTD_createDDict_byReference(file.bytes.baseAddress! + dictionaryStart, dictionaryLength)
        guard dictionary != nil else { throw AISearchError(.io, "zstd: out of memory") }
      }
    }

    private func decompressed(_ index: Int, cache: Bool) throws -> [UInt8] {
      if cache && index == cachedBlock { return cachedBytes }
      let info = block(index)
      guard info.offset >= 0, info.compressed >= 0, compressedStart + info.offset + info.compressed <= dictionaryStart,
        info.raw <= 64 * PassageStore.blockSize + (1 << 20)
      else {
        throw AISearchError.corrupt(file.path, "block \(index) out of bounds")
      }
      var output = [UInt8](repeating: 0, count: info.raw)
      let source = UnsafeRawBufferPointer(
        rebasing: file.bytes[(compressedStart + info.offset)..<(compressedStart + info.offset + info.compressed)])
      if cache { try prepareDictionary() }
      let dictionary = self.dictionary
      let size = try DecompressionContexts.borrow { context in
        output.withUnsafeMutableBytes {
          ZSTD_decompress_usingDDict(context, $0.baseAddress, $0.count, source.baseAddress, source.count, dictionary)
        }
      }
      guard ZSTD_isError(size) == 0, size == info.raw else {
        throw AISearchError.corrupt(file.path, "block \(index) does not decompress")
      }
      if cache {
        cachedBlock = index
        cachedBytes = output
      }
      return output
    }

    func passage(_ index: Int) throws -> StoredPassage {
      try passage(index, cache: true)
    }

    /// Passage `index`, read without touching the reader's state, so that other threads
    /// may read passages of the same segment at the same time (after `prepareDictionary`);
    /// its block is taken from `blocks` or decompressed and left there.
    func passage(sharing index: Int, blocks: SharedBlocks) throws -> StoredPassage {
      try passage(index, cache: false, blocks: blocks)
    }

    private func passage(_ index: Int, cache: Bool, blocks: SharedBlocks? = nil) throws -> StoredPassage {
      guard index >= 0 && index < passageCount else {
        throw AISearchError.corrupt(file.path, "passage \(index) out of range")
      }
      let blockNumber = blockIndex(of: index)
      guard block(blockNumber).first <= index else {
        throw AISearchError.corrupt(file.path, "block table does not cover passage \(index)")
      }
      let key = SharedBlocks.Key(reader: ObjectIdentifier(self), block: blockNumber)
      let bytes: [UInt8]
      if let blocks, let known = blocks[key] {
        bytes = known
      } else {
        bytes = try decompressed(blockNumber, cache: cache)
        blocks?[key] = bytes
      }
      return try bytes.withUnsafeBytes { raw in
        var reader = ByteReader(raw, range: 0..<raw.count, path: file.path)
        for _ in block(blockNumber).first..<index {
          reader.offset += try reader.count(max: raw.count - reader.offset)
        }
        let length = try reader.count(max: raw.count - reader.offset)
        var record = ByteReader(raw, range: reader.offset..<(reader.offset + length), path: file.path)
        let document = try self.document(holding: index)
        let lineStart = try record.count(max: Int(Int32.max))
        let lineEnd = lineStart + (try record.count(max: Int(Int32.max)))
        let section = try record.optionalString()
        return StoredPassage(
          document: document, lineStart: lineStart, lineEnd: lineEnd, section: section, text: try record.string())
      }
    }
  }
}

extension PassageStore.Writer {
  /// Adds `documents` and their `passages`, which come grouped by document, in order.
  func add(documents: [PassageStore.StoredDocument], passages: [PassageStore.StoredPassage]) throws {
    var added = 0
    for (d, document) in documents.enumerated() {
      add(document)
      while added < passages.count && passages[added].document == d {
        try add(passages[added])
        added += 1
      }
    }
    precondition(added == passages.count, "passages must come grouped by document, in document order")
  }
}

/// The blocks of passages files decompressed for one query, for the threads that read its
/// hits' passages: hits and their copies often sit in one block, and each thread's reader
/// kept only its own last block (18% of a large-tier query's decompressions repeated one).
final class SharedBlocks {
  struct Key: Hashable {
    let reader: ObjectIdentifier
    let block: Int
  }

  private let blocks = Mutex<[Key: [UInt8]]>([:])

  init() {}

  subscript(key: Key) -> [UInt8]? {
    get { blocks.withLock { $0[key] } }
    set { blocks.withLock { $0[key] = newValue } }
  }
}

/// zstd decompression contexts (about 100 KB each, their pages touched on first use), shared
/// by every passage reader of the process instead of one per segment: a search of a
/// 14-segment index paid for 14. Borrowed for one block at a time.
enum DecompressionContexts {
  private static let idle = Mutex<[OpaquePointer]>([])

  static func borrow<Result>(_ body: (OpaquePointer) throws -> Result) throws -> Result {
    let reused = idle.withLock { $0.popLast() }
    guard let context = reused ?? ZSTD_createDCtx() else { throw AISearchError(.io, "zstd: out of memory") }
    if reused == nil {
      // ZSTD_d_format, a macro Swift does not import.
      ZSTD_DCtx_setParameter(context, ZSTD_d_experimentalParam1, Int32(ZSTD_f_zstd1_magicless.rawValue))
    }
    defer { idle.withLock { $0.append(context) } }
    return try body(context)
  }
}
