/// The commit point: which segments are live, which of their passages are deleted, and
/// which source files the index holds (for incremental updates).
///
///     Manifest --> Header "MANI", Generation u64, AnalyzerVersion u32, HanFolding,
///                  SegmentCount u32, <Segment>^SegmentCount, SegmentsCRC u32,
///                  FileCount u32, <SourceFile>^FileCount, Footer
///     Segment  --> Name string, PassageCount u32, TokenCount u64, TitleTokenCount u64,
///                  DeletedCount u32, <DeletedDelta varint>^DeletedCount
///     SourceFile --> SharedPathBytes varint, PathSuffix string, Size varint,
///                  ModifiedNanoseconds u64, ContentHash u64, SegmentIndex varint,
///                  FirstPassage varint, PassageCount varint
///
/// SegmentsCRC is the CRC-32 of every byte before it: a search reads the manifest up to there
/// and checks it, never the file table, which only the writer and `check` need (on a tree of
/// 254,651 files the table is 10 MB; the part before it a few kilobytes). Files are sorted
/// by path; each path keeps SharedPathBytes leading bytes of the previous
/// one and adds PathSuffix (deep trees repeat long directory prefixes).
///
/// HanFolding is the Traditional→Simplified table the index was analyzed with (layout in
/// HanFolding.swift); queries must fold with the same table. Deleted passage ids are ascending, each stored as the difference from the previous (the
/// first from 0). A segment's files are Name.terms, Name.postings, Name.lengths and
/// Name.passages. The manifest is replaced only atomically (FileSystem.atomicWrite), so a
/// reader sees the previous commit or the next one, never a mix.
///
/// Example: generation 3, no folding, one segment "s3" of 40 passages and 900 tokens with
/// passages 5 and 6 deleted, one file: 03 00 00 00 00 00 00 00, 02 00 00 00, 00 00 00 00,
/// 01 00 00 00,
/// 02 "s3" 28 00 00 00 84 03 00 00 00 00 00 00 (TitleTokenCount 8 bytes) 02 00 00 00 05 01,
/// SegmentsCRC, 01 00 00 00, the file.
public struct Manifest: Equatable {
  public static let fileName = "MANIFEST"

  public struct Segment: Equatable {
    public var name: String
    public var passageCount: UInt32
    public var tokenCount: UInt64
    public var titleTokenCount: UInt64 = 0
    public var deleted: Set<UInt32>
  }

  public struct SourceFile: Equatable {
    public var path: String
    public var size: UInt64
    public var modifiedNanoseconds: Int64
    public var contentHash: UInt64
    public var segment: Int
    public var firstPassage: UInt32
    public var passageCount: UInt32
  }

  public var generation: UInt64 = 0
  public var analyzerVersion: UInt32 = Analyzer.version
  public var folding = HanFolding.identity
  public var segments: [Segment] = []
  public var files: [SourceFile] = []

  public init() {}

  /// Passages of all segments that are not deleted.
  public var livePassages: Int {
    segments.reduce(0) { $0 + Int($1.passageCount) - $1.deleted.count }
  }

  func serialize() -> [UInt8] {
    var writer = FileFormat.header(.manifest)
    writer.u64(generation)
    writer.u32(analyzerVersion)
    folding.write(to: &writer)
    writer.u32(UInt32(segments.count))
    for segment in segments {
      writer.string(segment.name)
      writer.u32(segment.passageCount)
      writer.u64(segment.tokenCount)
      writer.u64(segment.titleTokenCount)
      writer.u32(UInt32(segment.deleted.count))
      var previous: UInt32 = 0
      for id in segment.deleted.sorted() {
        writer.varint(UInt64(id - previous))
        previous = id
      }
    }
    writer.u32(CRC32.checksum(writer.bytes))
    writer.u32(UInt32(files.count))
    var previous: [UInt8] = []
    for file in files {
      writer.frontCoded(Array(file.path.utf8), after: &previous)
      writer.varint(file.size)
      writer.u64(UInt64(bitPattern: file.modifiedNanoseconds))
      writer.u64(file.contentHash)
      writer.varint(file.segment)
      writer.varint(UInt64(file.firstPassage))
      writer.varint(UInt64(file.passageCount))
    }
    FileFormat.finish(&writer)
    return writer.bytes
  }

  /// Reads the manifest of `directory`; nil when there is none (no index yet). Without
  /// `files`, the file table is neither read nor checked (`files` stays empty).
  static func read(directory: String, files readFiles: Bool = true) throws -> Manifest? {
    let path = directory + "/" + fileName
    guard FileSystem.exists(path) else { return nil }
    let file = try MappedFile(path)
    let body = try FileFormat.openBody(file.bytes, kind: .manifest, path: path)
    if readFiles && file.bytes.count > FileFormat.eagerVerifyLimit { try FileFormat.verifyChecksum(file.bytes, path: path) }
    var reader = ByteReader(file.bytes, range: body, path: path)
    var manifest = Manifest()
    manifest.generation = try reader.u64()
    manifest.analyzerVersion = try reader.u32()
    manifest.folding = try HanFolding.read(from: &reader)
    let segmentCount = Int(try reader.u32())
    for _ in 0..<min(segmentCount, body.count) {
      let name = try reader.string()
      let passageCount = try reader.u32()
      let tokenCount = try reader.u64()
      let titleTokenCount = try reader.u64()
      let deletedCount = Int(try reader.u32())
      guard deletedCount <= Int(passageCount) else { throw AISearchError.corrupt(path, "more deletions than passages") }
      var deleted = Set<UInt32>(minimumCapacity: deletedCount)
      var previous: UInt64 = 0
      for _ in 0..<deletedCount {
        previous += try reader.varint()
        guard previous < UInt64(passageCount) else { throw AISearchError.corrupt(path, "deleted passage out of range") }
        deleted.insert(UInt32(previous))
      }
      guard name.utf8.allSatisfy({ $0 != UInt8(ascii: "/") }) else { throw AISearchError.corrupt(path, "bad segment name") }
      manifest.segments.append(
        Segment(name: name, passageCount: passageCount, tokenCount: tokenCount, titleTokenCount: titleTokenCount, deleted: deleted))
    }
    let segmentsEnd = reader.offset
    guard try reader.u32() == CRC32.checksum(UnsafeRawBufferPointer(rebasing: file.bytes[0..<segmentsEnd])) else {
      throw AISearchError.corrupt(path, "checksum mismatch")
    }
    guard readFiles else {
      guard manifest.segments.count == segmentCount else { throw AISearchError.corrupt(path, "unexpected length") }
      return manifest
    }
    let fileCount = Int(try reader.u32())
    var previous: [UInt8] = []
    for _ in 0..<min(fileCount, body.count) {
      try reader.frontCoded(after: &previous)
      let entry = SourceFile(
        path: String(decoding: previous, as: UTF8.self), size: try reader.varint(),
        modifiedNanoseconds: Int64(bitPattern: try reader.u64()), contentHash: try reader.u64(),
        segment: try reader.count(max: Int(UInt32.max)), firstPassage: UInt32(try reader.count(max: Int(UInt32.max))),
        passageCount: UInt32(try reader.count(max: Int(UInt32.max))))
      guard entry.passageCount == 0
        || (entry.segment < manifest.segments.count
          && UInt64(entry.firstPassage) + UInt64(entry.passageCount) <= UInt64(manifest.segments[entry.segment].passageCount))
      else { throw AISearchError.corrupt(path, "file \(entry.path) points outside its segment") }
      manifest.files.append(entry)
    }
    guard reader.isAtEnd, manifest.segments.count == segmentCount, manifest.files.count == fileCount else {
      throw AISearchError.corrupt(path, "unexpected length")
    }
    return manifest
  }

  func write(directory: String) throws {
    try FileSystem.atomicWrite(directory + "/" + Manifest.fileName, serialize())
  }
}
