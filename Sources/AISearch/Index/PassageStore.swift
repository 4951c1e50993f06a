/// Stored documents and passages: what a hit prints (text and citation).
///
///     Passages file --> Header "PASS", DocumentCount u32, PassageCount u32,
///                       <DocumentOffset u64>^(DocumentCount+1),
///                       <PassageOffset u64>^(PassageCount+1), Records, Footer
///     Records       --> <DocumentRecord>^DocumentCount, <PassageRecord>^PassageCount
///     DocumentRecord --> Path string, Title ostring, URL ostring, Date ostring
///     PassageRecord  --> Document varint, LineStart varint, LineEnd varint, Section ostring,
///                        Text string
///
/// Offsets are relative to the start of Records. A string is a varint byte length and UTF-8;
/// an ostring (optional string) is 0 when absent, else 1 + byte length, then UTF-8.
///
/// Example: one document "a.md" titled "T" with one passage "hi" on line 3, outside any
/// section, gives DocumentCount 1, PassageCount 1, DocumentOffsets 0, 9, PassageOffsets 9,
/// 16 and Records 04 "a.md" 02 "T" 00 00 | 00 03 03 00 02 "hi".
enum PassageStore {
  struct StoredDocument: Equatable {
    var path: String
    var title: String?
    var url: String?
    var date: String?
  }

  struct StoredPassage: Equatable {
    var document: Int
    var lineStart: Int
    var lineEnd: Int
    var section: String?
    var text: String
  }

  static func serialize(documents: [StoredDocument], passages: [StoredPassage]) -> [UInt8] {
    var records = ByteWriter()
    var documentOffsets: [UInt64] = [0]
    for document in documents {
      records.string(document.path)
      records.optionalString(document.title)
      records.optionalString(document.url)
      records.optionalString(document.date)
      documentOffsets.append(UInt64(records.count))
    }
    var passageOffsets: [UInt64] = [UInt64(records.count)]
    for passage in passages {
      records.varint(passage.document)
      records.varint(passage.lineStart)
      records.varint(passage.lineEnd)
      records.optionalString(passage.section)
      records.string(passage.text)
      passageOffsets.append(UInt64(records.count))
    }
    var writer = FileFormat.header(.passages)
    writer.u32(UInt32(documents.count))
    writer.u32(UInt32(passages.count))
    for offset in documentOffsets { writer.u64(offset) }
    for offset in passageOffsets { writer.u64(offset) }
    writer.bytes.append(contentsOf: records.bytes)
    FileFormat.finish(&writer)
    return writer.bytes
  }

  struct Reader {
    let file: MappedFile
    let documentCount: Int
    let passageCount: Int
    private let documentOffsetsStart: Int
    private let passageOffsetsStart: Int
    private let recordsStart: Int
    private let recordsEnd: Int

    init(_ file: MappedFile, expectedPassages: Int) throws {
      self.file = file
      let body = try FileFormat.openBody(file.bytes, kind: .passages, path: file.path)
      var reader = ByteReader(file.bytes, range: body, path: file.path)
      documentCount = Int(try reader.u32())
      passageCount = Int(try reader.u32())
      guard passageCount == expectedPassages else {
        throw AISearchError.corrupt(file.path, "\(passageCount) passages stored, manifest says \(expectedPassages)")
      }
      documentOffsetsStart = reader.offset
      passageOffsetsStart = documentOffsetsStart + 8 * (documentCount + 1)
      recordsStart = passageOffsetsStart + 8 * (passageCount + 1)
      recordsEnd = body.upperBound
      guard recordsStart <= recordsEnd else {
        throw AISearchError.corrupt(file.path, "offset tables run past the end")
      }
    }

    private func recordRange(table: Int, index: Int) throws -> Range<Int> {
      let start = file.bytes.loadUnaligned(fromByteOffset: table + 8 * index, as: UInt64.self).littleEndian
      let end = file.bytes.loadUnaligned(fromByteOffset: table + 8 * index + 8, as: UInt64.self).littleEndian
      guard start <= end, end <= UInt64(recordsEnd - recordsStart) else {
        throw AISearchError.corrupt(file.path, "record \(index) out of bounds")
      }
      return (recordsStart + Int(start))..<(recordsStart + Int(end))
    }

    func document(_ index: Int) throws -> StoredDocument {
      guard index >= 0 && index < documentCount else {
        throw AISearchError.corrupt(file.path, "document \(index) out of range")
      }
      var reader = ByteReader(file.bytes, range: try recordRange(table: documentOffsetsStart, index: index), path: file.path)
      return StoredDocument(
        path: try reader.string(), title: try reader.optionalString(), url: try reader.optionalString(),
        date: try reader.optionalString())
    }

    func passage(_ index: Int) throws -> StoredPassage {
      guard index >= 0 && index < passageCount else {
        throw AISearchError.corrupt(file.path, "passage \(index) out of range")
      }
      var reader = ByteReader(file.bytes, range: try recordRange(table: passageOffsetsStart, index: index), path: file.path)
      let document = try reader.count(max: documentCount - 1)
      let lineStart = try reader.count(max: Int(Int32.max))
      let lineEnd = try reader.count(max: Int(Int32.max))
      let section = try reader.optionalString()
      return StoredPassage(document: document, lineStart: lineStart, lineEnd: lineEnd, section: section, text: try reader.string())
    }
  }
}
