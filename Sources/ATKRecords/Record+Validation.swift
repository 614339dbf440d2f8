extension Record {
  /// The keys that name files: each must be a string without NUL bytes when present.
  public static let pathKeys = [Key.path, Key.relpath, Key.origin, Key.source]

  /// What makes the record unusable as input, for a `bad_record` failure; nil when it is fine.
  ///
  /// A record needs a `path`; `path`, `relpath`, `origin` and `source` must be non-empty
  /// strings without NUL bytes (a file name cannot hold one, and a C call would cut the name
  /// there, silently naming another file).
  public var pathProblem: String? {
    guard fields[Key.path] != nil else { return "record has no 'path'" }
    for key in Self.pathKeys {
      guard let value = fields[key] else { continue }
      guard let bytes = value.stringBytes else { return "'\(key)' is not a string" }
      if bytes.isEmpty { return "'\(key)' is empty" }
      if bytes.contains(0) { return "'\(key)' holds a NUL byte" }
    }
    return nil
  }
}
