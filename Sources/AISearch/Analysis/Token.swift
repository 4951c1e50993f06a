/// One indexed term occurrence.
///
/// `start`/`end` are [start, end) offsets in Unicode scalars of the *original* text (before
/// normalization), so highlights land on the characters the user wrote. `position` counts
/// tokens; the bigrams of one Han run take consecutive positions, so a query word's
/// bigrams can be matched as a phrase.
public struct Token: Equatable, Sendable, CustomStringConvertible {
  public var term: String
  public var position: Int32
  public var start: Int32
  public var end: Int32

  public init(term: String, position: Int32, start: Int32, end: Int32) {
    self.term = term
    self.position = position
    self.start = start
    self.end = end
  }

  public var description: String { "\(term)@\(position)[\(start),\(end))" }
}
