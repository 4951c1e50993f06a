/// HTML → text, line for line: line N of the result is the text of line N of the source,
/// so passages cut from it cite the source's own line numbers.
///
/// Tags are removed (a tag may span lines), the contents of <script>, <style> and comments
/// are dropped, common character entities are decoded, and <title> becomes the title.
struct HTMLText {
  var lines: [String]
  var title: String?

  init(_ source: String) {
    var lines: [String] = []
    var current = ""
    var title = ""
    var inTitle = false
    var skipping: String? = nil  // the closing tag name we wait for (script/style)
    var inComment = false
    var tag = ""
    var inTag = false
    var entity: String? = nil

    func flushEntity(into text: inout String, _ entity: String) {
      text += HTMLText.decodeEntity(entity) ?? "&\(entity)"
    }

    for character in source {
      if character == "\n" || character == "\r\n" {
        if let pending = entity { flushEntity(into: &current, pending); entity = nil }
        lines.append(current)
        current = ""
        if inTag { tag.append(" ") }
        continue
      }
      if inComment {
        tag.append(character)
        if tag.hasSuffix("-->") { inComment = false; tag = "" }
        continue
      }
      if inTag {
        tag.append(character)
        if tag == "!--" { inComment = true; inTag = false; tag = ""; continue }
        if character == ">" {
          inTag = false
          let name = HTMLText.tagName(tag)
          if let waiting = skipping {
            if name == "/" + waiting { skipping = nil }
          } else if name == "script" || name == "style" {
            skipping = name
          } else if name == "title" {
            inTitle = true
          } else if name == "/title" {
            inTitle = false
          } else if HTMLText.blockTags.contains(name.hasPrefix("/") ? String(name.dropFirst()) : name) {
            if !current.isEmpty && current.last != " " { current.append(" ") }
          }
          tag = ""
        }
        continue
      }
      if character == "<" {
        if let pending = entity { flushEntity(into: &current, pending); entity = nil }
        inTag = true
        continue
      }
      if skipping != nil { continue }
      if var pending = entity {
        if character == ";" {
          let decoded = HTMLText.decodeEntity(pending) ?? "&\(pending);"
          if inTitle { title += decoded } else { current += decoded }
          entity = nil
        } else if pending.count < 10 && (character.isLetter || character.isNumber || character == "#") {
          pending.append(character)
          entity = pending
        } else {
          current += "&" + pending
          entity = nil
          current.append(character)
        }
        continue
      }
      if character == "&" { entity = ""; continue }
      if inTitle { title.append(character) } else { current.append(character) }
    }
    if let pending = entity { current += "&" + pending }
    lines.append(current)
    self.lines = lines
    let trimmed = title.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    self.title = trimmed.isEmpty ? nil : trimmed
  }

  private static let blockTags: Set<String> = [
    "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4",
    "h5", "h6", "pre", "blockquote", "section", "article", "header", "footer", "dt", "dd",
  ]

  private static func tagName(_ tag: String) -> String {
    var name = ""
    for character in tag.dropLast() {  // drop ">"
      if character == " " || character == "\t" || (character == "/" && !name.isEmpty) { break }
      name.append(character)
    }
    return name.lowercased()
  }

  static func decodeEntity(_ name: String) -> String? {
    switch name {
    case "amp": return "&"
    case "lt": return "<"
    case "gt": return ">"
    case "quot": return "\""
    case "apos": return "'"
    case "nbsp": return " "
    default:
      guard name.hasPrefix("#") else { return nil }
      let digits = name.dropFirst()
      let value: UInt32?
      if digits.hasPrefix("x") || digits.hasPrefix("X") {
        value = UInt32(digits.dropFirst(), radix: 16)
      } else {
        value = UInt32(digits)
      }
      return value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
    }
  }
}
