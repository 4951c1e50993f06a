import CZstd
import Dispatch
import Synchronization

/// Stored documents and passages: what a hit prints (text and citation).
///
///     Passages file  --> Header "PASS", DocumentCount u32, PassageCount u32, BlockCount u32,
///                        DictionaryLength u32, <DocumentOffset u64>^(DocumentCount+1),
///                        <FirstPassage u32>^(DocumentCount+1), <Block>^BlockCount,
///                        Dictionary, DocumentRecords, CompressedBlocks, Footer
///     Block          --> FirstPassage u32, Offset u64, CompressedLength u32, RawLength u32
///     DocumentRecord --> Path string, Title ostring, URL ostring, Date ostring,
///                        TagCount varint, <Tag string>^TagCount
///     compressed block (zstd frame) --> <RecordLength varint, PassageRecord>^n
///     PassageRecord  --> Document varint, LineStart varint, LineEnd varint, Section ostring,
///                        Text string
///
/// DocumentOffsets are relative to the start of DocumentRecords, block Offsets to the start
/// of CompressedBlocks. A document's passages are consecutive: FirstPassage[d] is the id of
/// document d's first passage and FirstPassage[DocumentCount] = PassageCount, so filters on
/// paths, dates and tags map documents to passage ranges without decompressing. Passages
/// are packed in order into blocks of about `blockSize` raw bytes, each compressed on its
/// own with zstd against the segment's Dictionary (trained by zstd's ZDICT on a sample of
/// the segment's records; DictionaryLength 0 when the segment is too small to train one),
/// so fetching a hit decompresses one small block.
/// A string is a varint byte length and UTF-8; an ostring (optional string) is 0 when
/// absent, else 1 + byte length, then UTF-8.
///
/// Example: one document "a.md" titled "T", untagged, with one passage "hi" on line 3,
/// outside any section: DocumentCount 1, PassageCount 1, BlockCount 1, DictionaryLength 0,
/// DocumentOffsets 0, 10, FirstPassage 0, 1, Block (0, 0, n, 8), DocumentRecords 04 "a.md"
/// 02 "T" 00 00 00, and a zstd frame of n bytes holding
/// 07 | 00 03 03 00 02 "hi".
enum PassageStore {
  /// Raw bytes per compressed block, the zstd level and the dictionary size. Measured on the
  /// medium benchmark tier's 26.3 MB of passage text (docs/analysis.md): 32 KiB blocks at
  /// level 6 without a dictionary → 9.06 MB, 44 µs to decompress one; 8 KiB blocks with a
  /// 112 KiB dictionary → 8.56 MB, 13 µs; 4 KiB → 9.01 MB, 8 µs. Reading a hit's passage
  /// was a third of a query's time with 32 KiB blocks.
  static let blockSize = 8 << 10
  static let compressionLevel: Int32 = 6
  static let dictionarySize = 112 << 10
  /// Records sampled to train the dictionary (zstd advises about 100 × its size).
  static let dictionarySampleBytes = 4 << 20

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
    Array(try serializedChunks(documents: documents, passages: passages).joined())
  }

  /// The file as consecutive pieces (tables, dictionary, document records, compressed
  /// blocks with the footer), so a segment flush writes them without first copying the
  /// compressed passages into one buffer (memory at the RAM budget counts).
  /// Blocks are compressed `threads` at a time (each block on its own, so the file is the
  /// same for any number).
  static func serializedChunks(documents: [StoredDocument], passages: [StoredPassage], threads: Int = 1) throws -> [[UInt8]] {
    precondition(zip(passages, passages.dropFirst()).allSatisfy { $0.document <= $1.document })
    var documentRecords = ByteWriter()
    var documentOffsets: [UInt64] = [0]
    for document in documents {
      documentRecords.string(document.path)
      documentRecords.optionalString(document.title)
      documentRecords.optionalString(document.url)
      documentRecords.optionalString(document.date)
      documentRecords.varint(document.tags.count)
      for tag in document.tags { documentRecords.string(tag) }
      documentOffsets.append(UInt64(documentRecords.count))
    }
    func record(_ passage: StoredPassage) -> [UInt8] {
      var record = ByteWriter()
      record.varint(passage.document)
      record.varint(passage.lineStart)
      record.varint(passage.lineEnd)
      record.optionalString(passage.section)
      record.string(passage.text)
      return record.bytes
    }
    let dictionary = trainDictionary(passages, record)
    let compressor = try Compressor(dictionary: dictionary, threads: threads)
    var blocks: [(first: UInt32, offset: UInt64, compressed: UInt32, raw: UInt32)] = []
    var compressed: [UInt8] = []
    var raw = ByteWriter()
    var first = 0
    // Raw blocks wait in small groups, so that their compression runs on all threads while
    // the memory they hold stays a few hundred kilobytes.
    var waiting: [(first: Int, bytes: [UInt8])] = []
    func compressWaiting() throws {
      for (block, frame) in zip(waiting, try compressor.compress(waiting.map(\.bytes))) {
        blocks.append((UInt32(block.first), UInt64(compressed.count), UInt32(frame.count), UInt32(block.bytes.count)))
        compressed.append(contentsOf: frame)
      }
      waiting.removeAll(keepingCapacity: true)
    }
    func flush(upTo next: Int) throws {
      guard !raw.bytes.isEmpty else { return }
      waiting.append((first, raw.bytes))
      raw.bytes.removeAll(keepingCapacity: true)
      first = next
      if waiting.count >= 16 * threads { try compressWaiting() }
    }
    for (i, passage) in passages.enumerated() {
      let bytes = record(passage)
      raw.varint(bytes.count)
      raw.bytes.append(contentsOf: bytes)
      if raw.count >= blockSize { try flush(upTo: i + 1) }
    }
    try flush(upTo: passages.count)
    try compressWaiting()
    var writer = FileFormat.header(.passages)
    writer.u32(UInt32(documents.count))
    writer.u32(UInt32(passages.count))
    writer.u32(UInt32(blocks.count))
    writer.u32(UInt32(dictionary.count))
    for offset in documentOffsets { writer.u64(offset) }
    var firstPassages = [UInt32](repeating: UInt32(passages.count), count: documents.count + 1)
    for (i, passage) in passages.enumerated().reversed() { firstPassages[passage.document] = UInt32(i) }
    for d in stride(from: documents.count - 1, through: 0, by: -1) where firstPassages[d] > firstPassages[d + 1] {
      firstPassages[d] = firstPassages[d + 1]  // a document without passages (an empty file)
    }
    for first in firstPassages { writer.u32(first) }
    for block in blocks {
      writer.u32(block.first)
      writer.u64(block.offset)
      writer.u32(block.compressed)
      writer.u32(block.raw)
    }
    writer.bytes.append(contentsOf: dictionary)
    writer.bytes.append(contentsOf: documentRecords.bytes)
    var crc = CRC32.update(CRC32.initial, writer.bytes)
    crc = CRC32.update(crc, compressed)
    var footer = ByteWriter()
    footer.u32(CRC32.finish(crc))
    footer.bytes.append(contentsOf: FileFormat.footerMagic)
    return [writer.bytes, compressed, footer.bytes]
  }

  /// A zstd dictionary trained on an even sample of `records`, or none when there are too
  /// few to train one (ZDICT needs a few dozen samples; a tiny segment gains nothing).
  static func trainDictionary(_ passages: [StoredPassage], _ record: (StoredPassage) -> [UInt8]) -> [UInt8] {
    let total = passages.reduce(0) { $0 + $1.text.utf8.count }
    guard passages.count >= 64, total >= 4 * dictionarySize else { return [] }
    let step = max(1, total / dictionarySampleBytes)
    var samples: [UInt8] = []
    var sizes: [Int] = []
    for i in stride(from: 0, to: passages.count, by: step) {
      let bytes = record(passages[i])
      samples.append(contentsOf: bytes)
      sizes.append(bytes.count)
    }
    var dictionary = [UInt8](repeating: 0, count: dictionarySize)
    let size = dictionary.withUnsafeMutableBytes { target in
      samples.withUnsafeBytes { source in
        ZDICT_trainFromBuffer(target.baseAddress, target.count, source.baseAddress, sizes, UInt32(sizes.count))
      }
    }
    guard ZDICT_isError(size) == 0 else { return [] }
    dictionary.removeSubrange(size...)
    return dictionary
  }

  /// zstd compression of blocks, with the segment's dictionary digested once and shared by
  /// one compression context per thread.
  private final class Compressor {
    private let contexts: [OpaquePointer]
    private let dictionary: OpaquePointer?

    init(dictionary bytes: [UInt8], threads: Int) throws {
      var contexts: [OpaquePointer] = []
      for _ in 0..<max(1, threads) {
        guard let context = ZSTD_createCCtx() else {
          for context in contexts { ZSTD_freeCCtx(context) }
          throw AISearchError(.io, "zstd: out of memory")
        }
        contexts.append(context)
      }
      self.contexts = contexts
      dictionary =
        bytes.isEmpty
        ? nil : bytes.withUnsafeBytes { ZSTD_createCDict($0.baseAddress, $0.count, PassageStore.compressionLevel) }
    }

    deinit {
      for context in contexts { ZSTD_freeCCtx(context) }
      if let dictionary { ZSTD_freeCDict(dictionary) }
    }

    /// Each block as one zstd frame, in order.
    func compress(_ blocks: [[UInt8]]) throws -> [[UInt8]] {
      var frames = [Result<[UInt8], AISearchError>](repeating: .success([]), count: blocks.count)
      let threads = min(contexts.count, blocks.count)
      frames.withUnsafeMutableBufferPointer { results in
        if threads <= 1 {
          for i in blocks.indices { results[i] = compress(blocks[i], with: contexts[0]) }
          return
        }
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
          for i in stride(from: thread, to: blocks.count, by: threads) {
            results[i] = compress(blocks[i], with: contexts[thread])
          }
        }
      }
      return try frames.map { try $0.get() }
    }

    private func compress(_ bytes: [UInt8], with context: OpaquePointer) -> Result<[UInt8], AISearchError> {
      var output = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
      let size = bytes.withUnsafeBytes { source in
        output.withUnsafeMutableBytes { target in
          if let dictionary {
            return ZSTD_compress_usingCDict(
              context, target.baseAddress, target.count, source.baseAddress, source.count, dictionary)
          }
          return ZSTD_compressCCtx(
            context, target.baseAddress, target.count, source.baseAddress, source.count, PassageStore.compressionLevel)
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
    private let documentOffsetsStart: Int
    private let firstPassagesStart: Int
    private let blocksStart: Int
    private let documentsStart: Int
    private let compressedStart: Int
    private let dictionaryStart: Int
    private let dictionaryLength: Int
    private let end: Int
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
      var reader = ByteReader(file.bytes, range: body, path: file.path)
      documentCount = Int(try reader.u32())
      passageCount = Int(try reader.u32())
      blockCount = Int(try reader.u32())
      dictionaryLength = Int(try reader.u32())
      guard passageCount == expectedPassages else {
        throw AISearchError.corrupt(file.path, "\(passageCount) passages stored, manifest says \(expectedPassages)")
      }
      documentOffsetsStart = reader.offset
      firstPassagesStart = documentOffsetsStart + 8 * (documentCount + 1)
      blocksStart = firstPassagesStart + 4 * (documentCount + 1)
      dictionaryStart = blocksStart + 20 * blockCount
      documentsStart = dictionaryStart + dictionaryLength
      end = body.upperBound
      guard documentsStart <= end, blockCount <= passageCount else {
        throw AISearchError.corrupt(file.path, "tables run past the end")
      }
      let documentsLength = file.bytes.loadUnaligned(fromByteOffset: firstPassagesStart - 8, as: UInt64.self).littleEndian
      guard documentsLength <= UInt64(end - documentsStart) else {
        throw AISearchError.corrupt(file.path, "document records run past the end")
      }
      compressedStart = documentsStart + Int(documentsLength)
    }

    func document(_ index: Int) throws -> StoredDocument {
      guard index >= 0 && index < documentCount else {
        throw AISearchError.corrupt(file.path, "document \(index) out of range")
      }
      let start = file.bytes.loadUnaligned(fromByteOffset: documentOffsetsStart + 8 * index, as: UInt64.self).littleEndian
      let stop = file.bytes.loadUnaligned(fromByteOffset: documentOffsetsStart + 8 * index + 8, as: UInt64.self).littleEndian
      guard start <= stop, documentsStart + Int(stop) <= compressedStart else {
        throw AISearchError.corrupt(file.path, "document \(index) out of bounds")
      }
      var reader = ByteReader(file.bytes, range: (documentsStart + Int(start))..<(documentsStart + Int(stop)), path: file.path)
      return StoredDocument(
        path: try reader.string(), title: try reader.optionalString(), url: try reader.optionalString(),
        date: try reader.optionalString(), tags: try (0..<reader.count(max: 1 << 16)).map { _ in try reader.string() })
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

    private func block(_ index: Int) -> (first: Int, offset: Int, compressed: Int, raw: Int) {
      let base = blocksStart + 20 * index
      return (
        Int(file.bytes.loadUnaligned(fromByteOffset: base, as: UInt32.self).littleEndian),
        Int(file.bytes.loadUnaligned(fromByteOffset: base + 4, as: UInt64.self).littleEndian),
        Int(file.bytes.loadUnaligned(fromByteOffset: base + 12, as: UInt32.self).littleEndian),
        Int(file.bytes.loadUnaligned(fromByteOffset: base + 16, as: UInt32.self).littleEndian)
      )
    }

    /// The block holding passage `index` (binary search on FirstPassage).
    private func blockIndex(of passage: Int) -> Int {
      var low = 0
      var high = blockCount
      while high - low > 1 {
        let middle = (low + high) / 2
        if block(middle).first <= passage { low = middle } else { high = middle }
      }
      return low
    }

    private func decompressed(_ index: Int) throws -> [UInt8] {
      if index == cachedBlock { return cachedBytes }
      let info = block(index)
      guard info.offset >= 0, info.compressed >= 0, compressedStart + info.offset + info.compressed <= end,
        info.raw <= 64 * PassageStore.blockSize + (1 << 20)
      else {
        throw AISearchError.corrupt(file.path, "block \(index) out of bounds")
      }
      var output = [UInt8](repeating: 0, count: info.raw)
      let source = UnsafeRawBufferPointer(
        rebasing: file.bytes[(compressedStart + info.offset)..<(compressedStart + info.offset + info.compressed)])
      if dictionary == nil && dictionaryLength > 0 {
        dictionary = ZSTD_createDDict_byReference(file.bytes.baseAddress! + dictionaryStart, dictionaryLength)
        guard dictionary != nil else { throw AISearchError(.io, "zstd: out of memory") }
      }
      let size = try DecompressionContexts.borrow { context in
        output.withUnsafeMutableBytes {
          ZSTD_decompress_usingDDict(context, $0.baseAddress, $0.count, source.baseAddress, source.count, dictionary)
        }
      }
      guard ZSTD_isError(size) == 0, size == info.raw else {
        throw AISearchError.corrupt(file.path, "block \(index) does not decompress")
      }
      cachedBlock = index
      cachedBytes = output
      return output
    }

    func passage(_ index: Int) throws -> StoredPassage {
      guard index >= 0 && index < passageCount else {
        throw AISearchError.corrupt(file.path, "passage \(index) out of range")
      }
      let blockNumber = blockIndex(of: index)
      guard block(blockNumber).first <= index else {
        throw AISearchError.corrupt(file.path, "block table does not cover passage \(index)")
      }
      let bytes = try decompressed(blockNumber)
      return try bytes.withUnsafeBytes { raw in
        var reader = ByteReader(raw, range: 0..<raw.count, path: file.path)
        for _ in block(blockNumber).first..<index {
          reader.offset += try reader.count(max: raw.count - reader.offset)
        }
        let length = try reader.count(max: raw.count - reader.offset)
        var record = ByteReader(raw, range: reader.offset..<(reader.offset + length), path: file.path)
        let document = try record.count(max: documentCount - 1)
        let lineStart = try record.count(max: Int(Int32.max))
        let lineEnd = try record.count(max: Int(Int32.max))
        let section = try record.optionalString()
        return StoredPassage(
          document: document, lineStart: lineStart, lineEnd: lineEnd, section: section, text: try record.string())
      }
    }
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
    defer { idle.withLock { $0.append(context) } }
    return try body(context)
  }
}
