import Dispatch

/// Finds the files to index under the roots given to `aisearch index`.
///
/// A file's citation path is the root as the user typed it joined with the path below it,
/// as grep and rg print it (`seeds` → `seeds/000_….txt`). Hidden files and directories
/// (names starting with ".") are not entered, nor is the index directory itself.
public enum Corpus {
  /// Extensions that are indexed; files without an extension are indexed when their bytes
  /// look like text.
  public static let textExtensions: Set<String> = ["txt", "md", "markdown", "html", "htm"]

  public struct File: Equatable, Sendable {
    public var path: String
    public var size: UInt64
    public var modifiedNanoseconds: Int64
  }

  public struct Scan: Sendable {
    public var files: [File] = []
    /// Files left out with the reason (unsupported type, unreadable).
    public var skipped: [(path: String, reason: String)] = []
    /// The roots as citation prefixes, for deciding which indexed files were deleted.
    public var roots: [String] = []
  }

  /// Walks `roots`. A root that does not exist is an input error naming it.
  public static func scan(roots: [String], excluding excluded: String?) throws -> Scan {
    var scan = Scan()
    let excludedReal = excluded.flatMap(FileSystem.realPath)
    for rawRoot in roots {
      let root = normalizeRoot(rawRoot)
      guard let status = FileSystem.status(root) else {
        throw AISearchError(.input, "no such file or directory: \(rawRoot)", path: rawRoot)
      }
      scan.roots.append(root)
      if status.isDirectory {
        var ancestors: Set<FileSystem.Status.Identity> = [status.identity]
        try walk(root, into: &scan, excluding: excludedReal, ancestors: &ancestors, inParallel: true)
      } else {
        consider(root, status, explicitlyNamed: true, into: &scan)
      }
    }
    return scan
  }

  /// Drops trailing slashes ("seeds/" cites as "seeds/x.txt") but keeps "/" and ".".
  static func normalizeRoot(_ root: String) -> String {
    var root = Substring(root)
    while root.count > 1 && root.hasSuffix("/") { root = root.dropLast() }
    return String(root)
  }

  /// `ancestors`: the directories being walked, from the root down. Links to directories
  /// are followed, but not into one of them (a link back up would be walked until the
  /// system refused, 40 levels deep, indexing every file 40 times), as `find -L` does.
  /// `inParallel`: the directory's subdirectories are walked on all cores (each into a scan
  /// of its own, joined in listing order, so the result is the serial walk's). The walk
  /// is system calls for the most part; an unchanged large tier's re-index spent 1.1–1.45 s
  /// of its time in it, against a 48 s build.
  private static func walk(
    _ directory: String, into scan: inout Scan, excluding excluded: String?,
    ancestors: inout Set<FileSystem.Status.Identity>, inParallel: Bool = false
  ) throws {
    if let excluded, FileSystem.realPath(directory) == excluded { return }
    let listing: (entries: [FileSystem.Entry], invalid: [String])
    do {
      listing = try FileSystem.listing(directory, visibleWithStatus: true)
    } catch let error as AISearchError {
      scan.skipped.append((directory, error.message))
      return
    }
    func child(_ name: String) -> String { directory == "/" ? "/" + name : directory + "/" + name }
    for name in listing.invalid { scan.skipped.append((child(name), "file name is not valid UTF-8")) }
    func visit(_ entry: FileSystem.Entry, into scan: inout Scan, ancestors: inout Set<FileSystem.Status.Identity>) throws {
      let path = child(entry.name)
      guard let status = entry.status else {
        scan.skipped.append((path, "unreadable: \(FileSystem.errorText(entry.error))"))
        return
      }
      if status.isDirectory {
        guard ancestors.insert(status.identity).inserted else {
          scan.skipped.append((path, "a link back to a directory above it"))
          return
        }
        defer { ancestors.remove(status.identity) }
        try walk(path, into: &scan, excluding: excluded, ancestors: &ancestors)
      } else {
        consider(path, status, explicitlyNamed: false, into: &scan)
      }
    }
    let subdirectories = listing.entries.indices.filter { listing.entries[$0].status?.isDirectory == true }
    guard inParallel && subdirectories.count >= 2 else {
      for entry in listing.entries { try visit(entry, into: &scan, ancestors: &ancestors) }
      return
    }
    var walked = [Result<Scan, Error>?](repeating: nil, count: listing.entries.count)
    walked.withUnsafeMutableBufferPointer { walked in
      DispatchQueue.concurrentPerform(iterations: subdirectories.count) { k in
        let i = subdirectories[k]
        var below = ancestors
        walked[i] = Result {
          var own = Scan()
          try visit(listing.entries[i], into: &own, ancestors: &below)
          return own
        }
      }
    }
    for (i, entry) in listing.entries.enumerated() {
      if let result = walked[i] {
        let own = try result.get()
        scan.files += own.files
        scan.skipped += own.skipped
      } else {
        try visit(entry, into: &scan, ancestors: &ancestors)
      }
    }
  }

  private static func consider(_ path: String, _ status: FileSystem.Status, explicitlyNamed: Bool, into scan: inout Scan) {
    guard status.isRegular else {
      scan.skipped.append((path, "not a regular file"))
      return
    }
    let ext = pathExtension(path)
    guard ext.isEmpty || textExtensions.contains(ext) || explicitlyNamed else {
      scan.skipped.append((path, "unsupported file type .\(ext)"))
      return
    }
    scan.files.append(File(path: path, size: status.size, modifiedNanoseconds: status.modifiedNanoseconds))
  }

  /// True when `path` names a directory.
  public static func isDirectory(_ path: String) -> Bool {
    FileSystem.status(path)?.isDirectory ?? false
  }

  /// True when `path` lies under one of `roots` (or is one).
  public static func isUnder(_ path: String, roots: [String]) -> Bool {
    roots.contains { root in
      path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
    }
  }
}

/// A 64-bit content hash (FNV-1a over 8-byte words, then a final avalanche). It only tells
/// whether a file changed between runs; it is not cryptographic.
public func contentHash(_ bytes: [UInt8]) -> UInt64 {
  var hash: UInt64 = 0xcbf2_9ce4_8422_2325
  bytes.withUnsafeBytes { raw in
    var i = 0
    while i + 8 <= raw.count {
      hash = (hash ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100_0000_01b3
      hash ^= hash >> 29
      i += 8
    }
    while i < raw.count {
      hash = (hash ^ UInt64(raw[i])) &* 0x100_0000_01b3
      i += 1
    }
  }
  hash ^= hash >> 33
  hash = hash &* 0xff51_afd7_ed55_8ccd
  hash ^= hash >> 33
  return hash ^ UInt64(bytes.count)
}
