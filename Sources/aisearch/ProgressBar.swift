import AISearch

#if canImport(Glibc)
  import Glibc
#endif

/// A one-line progress display on stderr, only when stderr is a terminal (logs of batch jobs
/// get the summary line alone).
final class ProgressBar {
  private let started = ContinuousClock.now
  private let enabled = isatty(STDERR_FILENO) == 1
  private var shown = false

  func show(_ progress: IndexWriter.Progress) {
    guard enabled, progress.bytesTotal > 0 else { return }
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let done = Double(progress.bytesDone) / 1_048_576
    let total = Double(progress.bytesTotal) / 1_048_576
    let rate = seconds > 0 ? done / seconds : 0
    let eta = rate > 0 ? (total - done) / rate : 0
    let fraction = min(1, done / max(total, 1e-9))
    let width = 24
    let filled = Int(fraction * Double(width))
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    let line =
      "\r[\(bar)] \(progress.filesDone)/\(progress.filesTotal) files  \(Output.decimal(done, 1))/\(Output.decimal(total, 1)) MB"
      + "  \(Output.decimal(rate, 1)) MB/s  ETA \(Int(eta.rounded())) s\u{1B}[K"
    fputs(line, stderr)
    shown = true
  }

  /// Clears the line, so the summary that follows starts clean.
  func finish() {
    if shown { fputs("\r\u{1B}[K", stderr) }
  }
}
