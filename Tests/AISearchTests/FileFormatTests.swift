import Foundation
import TestSupport
import XCTest

@testable import AISearch

final class FileFormatTests: XCTestCase {
  func testVarintRoundTripAndLayout() throws {
    var writer = ByteWriter()
    let values: [UInt64] = [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max]
    for value in values { writer.varint(value) }
    XCTAssertEqual(Array(writer.bytes[3..<5]), [0x80, 0x01])  // 128
    XCTAssertEqual(Array(writer.bytes[5..<7]), [0xAC, 0x02])  // 300
    try withMapped(writer.bytes) { bytes in
      var reader = ByteReader(bytes, range: 0..<bytes.count, path: "test")
      for value in values { XCTAssertEqual(try reader.varint(), value) }
      XCTAssertTrue(reader.isAtEnd)
      XCTAssertThrowsError(try reader.varint())
    }
  }

  func testCRC32MatchesTheStandardCheckValue() {
    XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    XCTAssertEqual(CRC32.checksum([]), 0)
  }

  /// The segment writer's pool against `PostingsEncoder`: thousands of terms interleaved,
  /// a few long enough to run through many slices and across the pool's 1 MiB pages, added
  /// as a document's inversion gives them: the stream without the first passage's id; then
  /// enough short terms to move the term records and pages onto huge-page mappings.
  func testPostingsPoolKeepsEveryTermsStream() throws {
    var random = SystemRandomNumberGenerator()
    let pool = PostingsPool()
    let termCount = 3_000
    var encoders = [PostingsEncoder](repeating: PostingsEncoder(), count: termCount)
    for t in 0..<termCount { XCTAssertEqual(pool.addTerm(), t) }
    for doc in UInt32(1)...UInt32(2_000) {
      // Terms 0-9 in every passage with many positions; the others now and then.
      let terms = Array(0..<10) + (0..<20).map { _ in Int.random(in: 10..<termCount, using: &random) }
      for t in Set(terms).sorted() {
        var position: Int32 = -1
        let positions = (0..<(t < 10 ? 40 : Int.random(in: 1...3, using: &random))).map { _ in
          position += Int32.random(in: 1...300, using: &random)
          return position
        }
        encoders[t].add(doc: doc, positions: positions)
        var stream = ByteWriter()
        PostingsEncoder.append(positions, to: &stream)
        stream.bytes.withUnsafeBufferPointer { pool.append(term: t, firstDoc: doc, lastDoc: doc, count: 1, stream: $0) }
      }
    }
    // Then enough terms of one passage each that the term records move to a huge-page
    // mapping (over 4 MiB) and the pages span two mappings of two pages.
    let singles = 150_000
    encoders += [PostingsEncoder](repeating: PostingsEncoder(), count: singles)
    for t in termCount..<(termCount + singles) {
      XCTAssertEqual(pool.addTerm(), t)
      let doc = UInt32(2_001 + t % 7)
      encoders[t].add(doc: doc, positions: [Int32(t % 1_000)])
      var stream = ByteWriter()
      PostingsEncoder.append([Int32(t % 1_000)], to: &stream)
      stream.bytes.withUnsafeBufferPointer { pool.append(term: t, firstDoc: doc, lastDoc: doc, count: 1, stream: $0) }
    }
    XCTAssertGreaterThanOrEqual(pool.hugePageMappings, 2)
    XCTAssertTrue(pool.recordsAreMapped)
    var docs: [UInt32] = []
    var freqs: [UInt32] = []
    var deltas: [UInt32] = []
    for t in 0..<(termCount + singles) {
      pool.read(term: t, docs: &docs, freqs: &freqs, positionDeltas: &deltas)
      let expected = try encoders[t].flattened()
      XCTAssertEqual(docs, expected.docs, "term \(t)")
      XCTAssertEqual(freqs, expected.freqs, "term \(t)")
      XCTAssertEqual(deltas, expected.positionDeltas, "term \(t)")
      XCTAssertEqual(pool.docFreq(t), expected.docs.count)
    }
  }

  func testPostingsRoundTripAndWorkedExample() throws {
    var encoder = PostingsEncoder()
    encoder.add(doc: 7, positions: [3])
    encoder.add(doc: 11, positions: [0, 4, 9])
    // The examples in Postings.swift: a tail block, then a full one.
    XCTAssertEqual(try Postings.encode(encoder, lengths: [UInt32](repeating: 5, count: 12)), [15, 8, 3, 3, 0, 4, 5])
    var full = PostingsEncoder()
    var id: UInt32 = 5
    for i in 0..<128 {
      full.add(doc: id, positions: [0])
      id += UInt32(1 + i % 2)
    }
    let fullBytes = try Postings.encode(full, lengths: [UInt32](repeating: 5, count: Int(id)))
    XCTAssertEqual(Array(fullBytes.prefix(4)), [2, 0, 0, 5])
    // 32 bytes of packed deltas; positions all 0: PositionBits 0, no exceptions, nothing packed.
    XCTAssertEqual(fullBytes.count, 4 + 32 + 2)
    XCTAssertEqual(Array(fullBytes.suffix(2)), [0, 0])
    // The same with the eleventh packed delta (the twelfth delta) 9: its low bits packed,
    // then the exception: index 10, 9 >> 2.
    var patched = PostingsEncoder()
    id = 5
    for i in 0..<128 {
      patched.add(doc: id, positions: [0])
      id += i == 10 ? 9 : UInt32(1 + i % 2)
    }
    let patchedBytes = try Postings.encode(patched, lengths: [UInt32](repeating: 5, count: Int(id)))
    XCTAssertEqual(Array(patchedBytes.prefix(4)), [2, 1, 0, 5])
    XCTAssertEqual(Array(patchedBytes[(4 + 32)..<(4 + 32 + 2)]), [10, 2])
    XCTAssertEqual(patchedBytes.count, 4 + 32 + 2 + 2)
    try withMapped(patchedBytes) { bytes in
      let cursor = PostingsCursor(bytes, range: 0..<bytes.count, docFreq: 128, docLimit: id, path: "test")
      var docs: [UInt32] = []
      while try cursor.next() { docs.append(cursor.doc) }
      var expectedDocs: [UInt32] = [5]
      for i in 0..<127 { expectedDocs.append(expectedDocs.last! + (i == 10 ? 9 : UInt32(1 + i % 2))) }
      XCTAssertEqual(docs, expectedDocs)
    }

    // Several blocks: every passage, frequency and (for some) positions read back, in
    // order and by skipping.
    var random = SystemRandomNumberGenerator()
    var expected: [(UInt32, [Int32])] = []
    var randomEncoder = PostingsEncoder()
    var doc: UInt32 = 0
    for _ in 0..<1_000 {
      doc += UInt32.random(in: 1...300, using: &random)
      var positions: [Int32] = []
      var position: Int32 = -1
      for _ in 0..<Int.random(in: 1...6, using: &random) {
        position += Int32.random(in: 1...200, using: &random)
        positions.append(position)
      }
      expected.append((doc, positions))
      randomEncoder.add(doc: doc, positions: positions)
    }
    let lengths = (0...doc).map { _ in UInt32.random(in: 10...400, using: &random) }
    let bytes = try Postings.encode(randomEncoder, lengths: lengths)
    try withMapped(bytes) { bytes in
      func cursor() -> PostingsCursor {
        PostingsCursor(bytes, range: 0..<bytes.count, docFreq: expected.count, docLimit: doc + 1, path: "test")
      }
      let walk = cursor()
      for (i, (doc, positions)) in expected.enumerated() {
        XCTAssertTrue(try walk.next())
        XCTAssertEqual(walk.doc, doc)
        XCTAssertEqual(walk.freq, positions.count)
        if i % 3 == 0 { XCTAssertEqual(try walk.positions(), positions) }  // the others are skipped
      }
      XCTAssertFalse(try walk.next())
      // Skipping: each target lands on the first passage at or after it, with its positions.
      let skipper = cursor()
      var target: UInt32 = 0
      while true {
        target += UInt32.random(in: 1...40_000, using: &random)
        guard let k = expected.firstIndex(where: { $0.0 >= target }) else {
          XCTAssertFalse(try skipper.advance(to: target))
          break
        }
        XCTAssertTrue(try skipper.advance(to: target))
        XCTAssertEqual(skipper.doc, expected[k].0)
        XCTAssertEqual(try skipper.positions(), expected[k].1)
      }
      // Block bounds: the largest frequency and the smallest length over frequency (in
      // sixteenths, rounded down) of each block.
      let probe = cursor()
      for b in 0..<((expected.count + 127) / 128) {
        let block = expected[(b * 128)..<min(expected.count, b * 128 + 128)]
        let impact = try XCTUnwrap(try probe.blockImpact(b))
        XCTAssertEqual(impact.maxFreq, block.map { $0.1.count }.max())
        XCTAssertEqual(impact.minRatio, block.map { 16 * Int(lengths[Int($0.0)]) / $0.1.count }.min())
        XCTAssertEqual(try probe.lastDoc(ofBlock: b), block.last!.0)
      }
    }
  }

  func testTermDictionaryLookupsAndWorkedExample() throws {
    let entries: [(term: [UInt8], info: TermDictionary.Info)] = [
      (Array("910b".utf8), .init(docFreq: 2, postingsOffset: 12, postingsLength: 9)),
      (Array("910c".utf8), .init(docFreq: 1, postingsOffset: 21, postingsLength: 3)),
    ]
    let bytes = TermDictionary.serialize(entries)
    // The example in TermDictionary.swift.
    XCTAssertEqual(Array(bytes[12..<28]), [2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0])
    XCTAssertEqual(
      Array(bytes[28..<48]),
      [12, 0, 0, 0, 0, 0, 0, 0, 4] + Array("910b".utf8) + [2, 9, 3, 1] + Array("c".utf8) + [1, 3])
    let directory = try TemporaryDirectory()
    let path = directory.path + "/t.terms"
    try FileSystem.writeFile(path, bytes)
    let reader = try TermDictionary.Reader(MappedFile(path))
    XCTAssertEqual(reader.count, 2)
    XCTAssertEqual(try reader.lookup(Array("910c".utf8)), entries[1].info)
    XCTAssertEqual(try reader.lookup(Array("910b".utf8)), entries[0].info)
    XCTAssertNil(try reader.lookup(Array("910".utf8)))
    XCTAssertNil(try reader.lookup(Array("zzz".utf8)))
    XCTAssertNil(try reader.lookup([]))
  }

  /// Thousands of terms over many blocks: every term is found with its info, and terms
  /// between them, before the first and after the last are not.
  func testTermDictionaryAcrossBlocks() throws {
    var terms = Set<String>()
    var random = SystemRandomNumberGenerator()
    let alphabet = Array("abc华为芯片910")
    while terms.count < 3000 {
      terms.insert(String((0..<Int.random(in: 1...8, using: &random)).map { _ in alphabet.randomElement(using: &random)! }))
    }
    let sorted = terms.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
    var offset: UInt64 = 12
    let entries = sorted.enumerated().map { i, term -> (term: [UInt8], info: TermDictionary.Info) in
      defer { offset += UInt64(i % 17 + 1) }
      return (term, TermDictionary.Info(docFreq: UInt32(i % 5 + 1), postingsOffset: offset, postingsLength: UInt32(i % 17 + 1)))
    }
    let directory = try TemporaryDirectory()
    let path = directory.path + "/many.terms"
    try FileSystem.writeFile(path, TermDictionary.serialize(entries))
    let reader = try TermDictionary.Reader(MappedFile(path))
    for entry in entries { XCTAssertEqual(try reader.lookup(entry.term), entry.info) }
    for entry in entries.prefix(200) { XCTAssertNil(try reader.lookup(entry.term + [0x7A, 0x7A, 0x7A, 0x7A, 0x7A, 0x7A, 0x7A, 0x7A, 0x7A])) }
    XCTAssertNil(try reader.lookup([0x00]))
    XCTAssertNil(try reader.lookup([0xFF]))
    XCTAssertEqual(try reader.allTerms().map(\.term), sorted)
  }

  func testEmptyTermDictionary() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/e.terms"
    try FileSystem.writeFile(path, TermDictionary.serialize([]))
    let reader = try TermDictionary.Reader(MappedFile(path))
    XCTAssertEqual(reader.count, 0)
    XCTAssertNil(try reader.lookup(Array("a".utf8)))
  }

  func testPassageStoreRoundTripAndWorkedExample() throws {
    let documents = [PassageStore.StoredDocument(path: "a.md", title: "T", url: nil, date: nil)]
    let passages = [PassageStore.StoredPassage(document: 0, lineStart: 3, lineEnd: 3, section: nil, text: "hi")]
    let bytes = try PassageStore.serialize(documents: documents, passages: passages)
    func u32(_ at: Int) -> UInt32 { bytes[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    // The example in PassageStore.swift: after the header, the one zstd frame of n bytes,
    // no dictionary, the document record, restart offsets 0 and 11, first passages 0 and
    // 1, one block (first passage 0, offset 0, 7 raw bytes), then the counts before the
    // footer.
    let end = bytes.count - 8
    XCTAssertEqual([u32(end - 16), u32(end - 12), u32(end - 8), u32(end - 4)], [1, 1, 1, 0])
    XCTAssertEqual([u32(end - 32), u32(end - 28), u32(end - 24), u32(end - 20)], [0, 0, 0, 7])
    XCTAssertEqual([u32(end - 40), u32(end - 36)], [0, 1])
    XCTAssertEqual([u32(end - 56), u32(end - 52), u32(end - 48), u32(end - 44)], [0, 0, 11, 0])
    XCTAssertEqual(
      Array(bytes[(end - 67)..<(end - 56)]), [0, 4] + Array("a.md".utf8) + [2] + Array("T".utf8) + [0, 0, 0])
    // The frame is magicless: it starts with its header, not zstd's 28 B5 2F FD.
    let compressed = bytes.count - 12 - 11 - 56 - 8
    XCTAssertGreaterThan(compressed, 0)
    XCTAssertNotEqual(Array(bytes[12..<16]), [0x28, 0xB5, 0x2F, 0xFD])
    let directory = try TemporaryDirectory()
    let path = directory.path + "/p.passages"
    try FileSystem.writeFile(path, bytes)
    let reader = try PassageStore.Reader(MappedFile(path), expectedPassages: 1)
    XCTAssertEqual(try reader.document(0), documents[0])
    XCTAssertEqual(try reader.passage(0), passages[0])
    XCTAssertEqual(try reader.passageRange(ofDocument: 0), 0..<1)
    XCTAssertThrowsError(try reader.passage(1))
  }

  /// A record does not name its document: it is found from FirstPassage, also past a
  /// document without passages.
  func testPassageStoreFindsEachPassagesDocument() throws {
    let documents = ["a.md", "b.md", "c.md", "d.md"].map { PassageStore.StoredDocument(path: $0) }
    let passages = [(0, 1, 1), (0, 4, 6), (2, 9, 9), (3, 2, 3)].map { document, start, end in
      PassageStore.StoredPassage(document: document, lineStart: start, lineEnd: end, section: nil, text: "p\(start)")
    }
    let directory = try TemporaryDirectory()
    let path = directory.path + "/gap.passages"
    try FileSystem.writeFile(path, try PassageStore.serialize(documents: documents, passages: passages))
    let reader = try PassageStore.Reader(MappedFile(path), expectedPassages: passages.count)
    XCTAssertEqual(try (0..<4).map { try reader.passage($0) }, passages)
    XCTAssertEqual(try reader.passageRange(ofDocument: 1), 2..<2)
  }

  func testPassageStoreAcrossManyBlocks() throws {
    // Paths that share prefixes, some ending inside a character (电 and 甲 share two of
    // their three bytes), across three runs of `documentRestart` records.
    let documents = (0..<37).map {
      PassageStore.StoredDocument(
        path: "文档/\($0 / 10)/\($0 % 2 == 0 ? "电" : "甲")\($0).txt", title: $0 % 3 == 0 ? nil : "题\($0)", url: "u\($0)",
        date: nil, tags: $0 % 2 == 0 ? ["t\($0)", "标签"] : [])
    }
    let passages = (0..<3000).map { i in
      PassageStore.StoredPassage(
        document: i * 37 / 3000, lineStart: i, lineEnd: i + i % 3, section: i % 5 == 0 ? "§\(i)" : nil,
        text: "第\(i)段：" + String(repeating: "华为昇腾芯片\(i % 97) ", count: 1 + i % 40))
    }
    let directory = try TemporaryDirectory()
    let path = directory.path + "/many.passages"
    let bytes = try PassageStore.serialize(documents: documents, passages: passages)
    // Enough records to train a zstd dictionary, which every block is compressed against.
    let dictionaryLength = bytes[(bytes.count - 12)..<(bytes.count - 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
    XCTAssertGreaterThan(dictionaryLength, 1_000)
    try FileSystem.writeFile(path, bytes)
    let reader = try PassageStore.Reader(MappedFile(path), expectedPassages: passages.count)
    // Random order, so that blocks are decompressed again and again.
    for i in (0..<passages.count).shuffled() { XCTAssertEqual(try reader.passage(i), passages[i]) }
    for i in documents.indices.shuffled() {
      XCTAssertEqual(try reader.document(i), documents[i])
      XCTAssertEqual(try reader.passageRange(ofDocument: i), passages.indices.filter { passages[$0].document == i }.first!..<(passages.lastIndex { $0.document == i }! + 1))
    }
    var visited: [Int] = []
    try reader.documents(from: 15) { d, document in
      XCTAssertEqual(document, documents[d])
      visited.append(d)
      return d < 33
    }
    XCTAssertEqual(visited, Array(15...33))
    XCTAssertThrowsError(try reader.document(37))
  }

  /// A store written to its file block by block holds the bytes of one built in memory;
  /// a store given another's dictionary compresses against it and reads back.
  func testPassageStoreWrittenAsItGoesAndWithAGivenDictionary() throws {
    let documents = (0..<5).map { PassageStore.StoredDocument(path: "d\($0).md", title: "标题\($0)") }
    let passages = (0..<3000).map { i in
      PassageStore.StoredPassage(
        document: i * 5 / 3000, lineStart: i, lineEnd: i, section: nil,
        text: "第\(i)段：" + (0..<(1 + i % 40)).map { "华为昇腾芯片\(($0 * 7 + i) % 89) model-\(i % 13)" }.joined(separator: " "))
    }
    let directory = try TemporaryDirectory()
    let inMemory = try PassageStore.serialize(documents: documents, passages: passages)
    let streamed = try PassageStore.Writer(path: directory.path + "/streamed.passages")
    try streamed.add(documents: documents, passages: passages)
    XCTAssertEqual(try streamed.finish(), [])
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/streamed.passages")), Data(inMemory))
    let trained = try XCTUnwrap(streamed.trained)
    XCTAssertGreaterThan(trained.dictionary.count, 1_000)

    let later = Array(passages[1800...]).map { passage -> PassageStore.StoredPassage in
      var moved = passage
      moved.document -= 3
      return moved
    }
    let given = try PassageStore.Writer(path: directory.path + "/given.passages", dictionary: trained)
    try given.add(documents: Array(documents[3...]), passages: later)
    _ = try given.finish()
    XCTAssertNil(given.trained)
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.path + "/given.passages")))
    XCTAssertEqual(bytes[(bytes.count - 12)..<(bytes.count - 8)].reversed().reduce(0) { $0 << 8 | Int($1) }, trained.dictionary.count)
    let reader = try PassageStore.Reader(MappedFile(directory.path + "/given.passages"), expectedPassages: later.count)
    for i in later.indices.shuffled() { XCTAssertEqual(try reader.passage(i), later[i]) }
    XCTAssertEqual(try reader.document(1), documents[4])
  }

  func testManifestRoundTrip() throws {
    var manifest = Manifest()
    manifest.generation = 3
    manifest.segments = [.init(name: "s3", passageCount: 40, tokenCount: 900, deleted: [5, 6])]
    manifest.files = [
      .init(path: "seeds/a.txt", size: 10, modifiedNanoseconds: -5, contentHash: 77, segment: 0, firstPassage: 0, passageCount: 5)
    ]
    let directory = try TemporaryDirectory()
    try manifest.write(directory: directory.path)
    XCTAssertEqual(try Manifest.read(directory: directory.path), manifest)
    let bytes = manifest.serialize()
    // The worked example of Manifest.swift: the segment record.
    let segment: [UInt8] =
      [2] + Array("s3".utf8) + [0x28, 0, 0, 0, 0x84, 3, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0] + [2, 0, 0, 0, 5, 1]
    // Header, generation, analyzer version, an empty fold table, the segment count.
    let offset = 12 + 8 + 4 + 4 + 4
    XCTAssertEqual(Array(bytes[offset..<(offset + segment.count)]), segment)
  }

  /// The tables of the example in PassageLengths.swift.
  private let exampleTables = PassageTables(body: [57, 3], title: [4, 4], signatures: [0x1234, 0xBEEF], listShares: [30, 179])

  func testEnvelopeRejectsWrongKindVersionAndTruncation() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/x.lengths"
    try FileSystem.writeFile(path, PassageLengths.serialize(exampleTables))
    let lengths = try PassageLengths.Reader(MappedFile(path), expectedCount: 2)
    XCTAssertEqual([lengths[0], lengths[1], lengths.title(0)], [57, 3, 4])
    XCTAssertEqual([lengths.signature(0), lengths.signature(1)], [0x1234, 0xBEEF])
    XCTAssertEqual([lengths.listShare(0), lengths.listShare(1)], [30, 179])
    XCTAssertEqual(
      Array(PassageLengths.serialize(exampleTables)[12..<26]),
      [0x39, 0, 3, 0, 4, 0, 4, 0, 0x34, 0x12, 0xEF, 0xBE, 0x1E, 0xB3])  // the example in PassageLengths.swift
    XCTAssertThrowsError(try TermDictionary.Reader(MappedFile(path))) { error in
      XCTAssertEqual((error as? AISearchError)?.code, .corrupt)
    }
    var bytes = PassageLengths.serialize(exampleTables)
    bytes[8] = 99  // version
    try FileSystem.writeFile(path, bytes)
    XCTAssertThrowsError(try PassageLengths.Reader(MappedFile(path), expectedCount: 2)) { error in
      XCTAssertTrue((error as? AISearchError)?.message.contains("format version 99") ?? false)
    }
    try FileSystem.writeFile(path, Array(PassageLengths.serialize(exampleTables).dropLast(3)))
    XCTAssertThrowsError(try PassageLengths.Reader(MappedFile(path), expectedCount: 2)) { error in
      XCTAssertEqual((error as? AISearchError)?.message, "index file \(path) is corrupt (truncated: footer missing); rebuild it with `aisearch index --rebuild PATH...`")
    }
  }

  private func withMapped(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    try bytes.withUnsafeBytes { try body($0) }
  }
}
