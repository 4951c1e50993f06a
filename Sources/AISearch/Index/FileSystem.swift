#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The POSIX calls the engine needs, each turning errno into an `AISearchError` that names
/// the path. All system calls of the library live here.
enum FileSystem {
  struct Status {
    var isDirectory: Bool
    var isRegular: Bool
    var size: UInt64
    var modifiedNanoseconds: Int64
    /// Device and inode: which directory this is, however it was reached.
    var identity: Identity

    struct Identity: Hashable {
      var device: UInt64
      var inode: UInt64
    }

    init(_ info: stat) {
      let mode = info.st_mode & S_IFMT
      isDirectory = mode == S_IFDIR
      isRegular = mode == S_IFREG
      size = UInt64(info.st_size)
      modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
      identity = Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
  }

  static func status(_ path: String) -> Status? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Status(info)
  }

  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

  /// Orders two names or paths by their UTF-8 bytes, as the file system tells them apart
  /// (String's `<` and `==` compare canonically equivalent texts as equal): negative, zero
  /// or positive. By memcmp where both are stored contiguously (the generic comparison of
  /// two UTF8Views was a tenth of an unchanged large re-index).
  static func compareNames(_ a: String, _ b: String) -> Int {
    let fast = a.utf8.withContiguousStorageIfAvailable { x in
      b.utf8.withContiguousStorageIfAvailable { y -> Int in
        let common = min(x.count, y.count)
        let order = common == 0 ? 0 : Int(memcmp(x.baseAddress!, y.baseAddress!, common))
        return order != 0 ? order : x.count - y.count
      }
    }
    if let fast, let order = fast { return order }
    if a.utf8.elementsEqual(b.utf8) { return 0 }
    return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
  }

  /// Names in a directory, sorted by their bytes, without "." and "..".
  static func list(_ directory: String) throws -> [String] {
    try listing(directory).names
  }

  /// `list`, and the names that are not valid UTF-8 (with U+FFFD where their bytes were):
  /// a path made of such a name would name another file.
  static func listing(_ directory: String) throws -> (names: [String], invalid: [String]) {
    let (entries, invalid) = try listing(directory, visibleWithStatus: false)
    return (entries.map(\.name), invalid)
  }

  /// A directory's entry: its name and, when asked for, its status (as `status` gives it,
  /// links followed) or the errno of the failed lookup.
  struct Entry {
    var name: String
    var status: Status?
    var error: Int32 = 0
  }

  /// `listing`, or with `visibleWithStatus` only the names not starting with "." (what a
  /// walk visits), each with its status looked up relative to the open directory: a `stat`
  /// of the whole path resolved every directory above it again (a third of an unchanged
  /// re-index of the large tier). Invalid names are listed either way.
  static func listing(_ directory: String, visibleWithStatus: Bool) throws -> (entries: [Entry], invalid: [String]) {
    guard let handle = opendir(directory) else {
      throw AISearchError(.input, "cannot read directory \(directory): \(errorText())", path: directory)
    }
    defer { closedir(handle) }
    let directoryFD = dirfd(handle)
    var entries: [Entry] = []
    var invalid: [String] = []
    while let entry = readdir(handle) {
      let (name, valid, status, error) = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { cName -> (String, Bool, Status?, Int32) in
          let name = String(cString: cName)
          let valid = String(validatingCString: cName) != nil
          guard visibleWithStatus && valid && !name.hasPrefix(".") else { return (name, valid, nil, 0) }
          var info = stat()
          guard fstatat(directoryFD, cName, &info, 0) == 0 else { return (name, valid, nil, errno) }
          return (name, valid, Status(info), 0)
        }
      }
      if !valid {
        invalid.append(name)
      } else if visibleWithStatus ? !name.hasPrefix(".") : name != "." && name != ".." {
        entries.append(Entry(name: name, status: status, error: error))
      }
    }
    return (entries.sorted { compareNames($0.name, $1.name) < 0 }, invalid.sorted())
  }

  /// How a file to read is opened: without waiting (`O_NONBLOCK`), so that a named pipe or
  /// device put where the scan saw a regular file cannot stop the run (opening a pipe waits
  /// for a writer); `readFile` then refuses what is not a regular file.
  static let readFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK

  /// The bytes of the regular file at `path`, read from `opened` when given (a descriptor
  /// of that file opened with `readFlags`, which this closes: `FilePrefetcher`).
  static func readFile(_ path: String, opened: Int32? = nil) throws -> [UInt8] {
    let fd = opened ?? open(path, readFlags)
    guard fd >= 0 else {
      throw AISearchError(.input, "cannot read \(path): \(errorText())", path: path)
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw AISearchError(.input, "cannot read \(path): \(errorText())", path: path)
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw AISearchError(.input, "cannot read \(path): not a regular file", path: path)
    }
    // Read into uninitialized memory: zero-filling first touched every byte twice.
    var failure: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: Int(info.st_size)) { buffer, count in
      var done = 0
      while done < buffer.count {
        let n = read(fd, buffer.baseAddress! + done, buffer.count - done)
        if n < 0 {
          if errno == EINTR { continue }
          failure = errno
          break
        }
        if n == 0 { break }  // the file shrank meanwhile
        done += n
      }
      count = done
    }
    guard failure == 0 else {
      throw AISearchError(.input, "cannot read \(path): \(errorText(failure))", path: path)
    }
    return bytes
  }

  /// Writes `bytes` to `path` and fsyncs it (the file is new or replaced in place).
  static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try writeFile(path, chunks: [bytes])
  }

  /// Writes the concatenation of `chunks` to `path` and fsyncs it.
  static func writeFile(_ path: String, chunks: [[UInt8]]) throws {
    let file = try FileAppender(path)
    for chunk in chunks { try file.append(chunk) }
    try file.finish()
  }

  /// Replaces `path` atomically: write `path.tmp`, fsync, rename over `path`, fsync the
  /// directory. The temporary file sits in the target's own directory because a rename is
  /// atomic only within one file system.
  static func atomicWrite(_ path: String, _ bytes: [UInt8]) throws {
    let temporary = path + ".tmp"
    try writeFile(temporary, bytes)
    guard rename(temporary, path) == 0 else {
      throw AISearchError(.io, "cannot rename \(temporary) to \(path): \(errorText())", path: path)
    }
    try syncDirectory(parent(of: path))
  }

  static func syncDirectory(_ directory: String) throws {
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else {
      throw AISearchError(.io, "cannot open directory \(directory): \(errorText())", path: directory)
    }
    defer { close(fd) }
    guard fsync(fd) == 0 else {
      throw AISearchError(.io, "cannot sync directory \(directory): \(errorText())", path: directory)
    }
  }

  static func makeDirectory(_ path: String) throws {
    var partial = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
      partial += "/" + component
      if mkdir(partial, 0o755) != 0 && errno != EEXIST {
        throw AISearchError(.io, "cannot create directory \(partial): \(errorText())", path: partial)
      }
    }
  }

  static func remove(_ path: String) { unlink(path) }

  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  static func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}

/// A read-only memory map of a whole file; unmapped on deinit.
///
/// Index files are immutable once committed (a commit writes new files and renames a new
/// manifest into place), so the mapped bytes never change under a reader.
/// A new file written front to back and fsynced at the end, so a large file need not be
/// assembled in memory first.
final class FileAppender {
  let path: String
  private var fd: Int32

  init(_ path: String) throws {
    self.path = path
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw AISearchError(.io, "cannot write \(path): \(FileSystem.errorText())", path: path)
    }
  }

  deinit { if fd >= 0 { close(fd) } }

  func append(_ bytes: [UInt8]) throws {
    var done = 0
    while done < bytes.count {
      let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
      if n < 0 {
        if errno == EINTR { continue }
        throw AISearchError(.io, "cannot write \(path): \(FileSystem.errorText())", path: path)
      }
      done += n
    }
  }

  /// Fsyncs and closes the file.
  func finish() throws {
    defer {
      close(fd)
      fd = -1
    }
    guard fsync(fd) == 0 else {
      throw AISearchError(.io, "cannot sync \(path): \(FileSystem.errorText())", path: path)
    }
  }
}

final class MappedFile {
  let path: String
  let bytes: UnsafeRawBufferPointer

  init(_ path: String) throws {
    self.path = path
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw AISearchError(.corrupt, "cannot open index file \(path): \(FileSystem.errorText()); rebuild with `aisearch index --rebuild PATH...`", path: path)
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw AISearchError(.io, "cannot stat \(path): \(FileSystem.errorText())", path: path)
    }
    let size = Int(info.st_size)
    if size == 0 {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
      throw AISearchError(.io, "cannot map \(path): \(FileSystem.errorText())", path: path)
    }
    bytes = UnsafeRawBufferPointer(start: base, count: size)
  }

  deinit {
    if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
  }
}

/// The single-writer lock: an exclusive `flock` on `LOCK` in the index directory, which
/// also records the holder's PID for the message. The kernel drops a flock when its holder
/// dies, so a lock left by a killed process is free again without cleanup; the PID it left
/// in the file (a clean exit empties it) is reported as `takenOverFrom`.
final class WriterLock {
  private let fd: Int32
  /// The PID of a writer that died holding the lock, when this one took it over.
  private(set) var takenOverFrom: Int32? = nil

  init(directory: String) throws {
    let path = directory + "/LOCK"
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw AISearchError(.io, "cannot open lock file \(path): \(FileSystem.errorText())", path: path)
    }
    if flock(fd, LOCK_EX | LOCK_NB) != 0 {
      let holder = (try? FileSystem.readFile(path)).map { String(decoding: $0, as: UTF8.self) }
      close(fd)
      let pid = holder?.trimming(" \n") ?? ""
      throw AISearchError(
        .locked,
        "index \(directory) is locked by PID \(pid.isEmpty ? "?" : pid) (another `aisearch index` is running); wait for it to finish",
        path: path)
    }
    if let previous = (try? FileSystem.readFile(path)).flatMap({ Int32(String(decoding: $0, as: UTF8.self).trimming(" \n")) }),
      previous != getpid()
    {
      takenOverFrom = previous
    }
    let text = Array("\(getpid())\n".utf8)
    _ = ftruncate(fd, 0)
    _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
  }

  deinit {
    _ = ftruncate(fd, 0)
    flock(fd, LOCK_UN)
    close(fd)
  }
}

extension String {
  func trimming(_ set: String) -> String {
    var scalars = Substring(self).unicodeScalars[...]
    while let first = scalars.first, set.unicodeScalars.contains(first) { scalars = scalars.dropFirst() }
    while let last = scalars.last, set.unicodeScalars.contains(last) { scalars = scalars.dropLast() }
    return String(String.UnicodeScalarView(scalars))
  }
}
