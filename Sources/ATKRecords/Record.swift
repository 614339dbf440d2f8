/// One line of the atk record protocol: a JSON object describing one audio file.
///
/// The record keeps every key it was given. Tools read the keys they know through the accessors
/// below and pass every other key through unchanged. See atk-record(5) for the keys.
public struct Record: Sendable, Hashable {
  /// Every key of the record.
  public var fields: [String: JSONValue]

  /// A record with the given keys.
  public init(_ fields: [String: JSONValue] = [:]) { self.fields = fields }

  /// A record for a bare path, as given on the command line or as a plain input line.
  ///
  /// Its `origin` is the path itself, its `relpath` the path's last component.
  public init(path: RawPath) {
    self.fields = [Key.path: path.json]
    setMissingOriginAndRelpath()
  }

  /// Parses one JSON object line.
  ///
  /// - Throws: `JSONParseError` when the line is not JSON or not an object.
  public init(line: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
    guard case .object(let object) = try JSONParser.parse(line) else {
      throw JSONParseError(offset: 0, reason: "a record must be a JSON object")
    }
    self.fields = object
  }

  /// Parses one JSON object line.
  public init(line: [UInt8]) throws(JSONParseError) {
    let result: Result<Record, JSONParseError> = line.withUnsafeBufferPointer { buffer in
      do throws(JSONParseError) { return .success(try Record(line: buffer)) } catch {
        return .failure(error)
      }
    }
    self = try result.get()
  }

  /// The value of a key.
  public subscript(key: String) -> JSONValue? {
    get { fields[key] }
    set { fields[key] = newValue }
  }

  /// Appends the record as one line (keys sorted, `\n` at the end) to `out`.
  public func encode(into out: inout [UInt8]) {
    JSONWriter.writeObject(fields, into: &out)
    out.append(0x0A)
  }

  /// The record as one line of text, without the newline.
  public var jsonLine: String {
    var out: [UInt8] = []
    JSONWriter.writeObject(fields, into: &out)
    return String(decoding: out, as: UTF8.self)
  }
}

extension Record {
  /// The keys atk itself writes. atk-record(5) documents each one.
  public enum Key {
    public static let path = "path"
    public static let origin = "origin"
    public static let relpath = "relpath"
    public static let source = "source"
    public static let format = "format"
    public static let encoding = "encoding"
    public static let sampleRate = "sample_rate"
    public static let channels = "channels"
    public static let frames = "frames"
    public static let duration = "duration"
    public static let bytes = "bytes"
    public static let bitrate = "bitrate"
    public static let tags = "tags"
    public static let status = "status"
    public static let error = "error"
    public static let step = "step"
    public static let segment = "segment"
    public static let part = "part"
    public static let reencoded = "reencoded"
    public static let dropped = "dropped"
    public static let encoderDelay = "encoder_delay"
    public static let encoderPadding = "encoder_padding"
    public static let declaredFrames = "declared_frames"

    /// Every key above, for the check against the manual page.
    public static let all: [String] = [
      path, origin, relpath, source, format, encoding, sampleRate, channels, frames, duration,
      bytes, bitrate, tags, status, error, step, segment, part, reencoded, dropped, encoderDelay,
      encoderPadding, declaredFrames,
    ]
  }

  /// The `path` key as a path.
  public var path: RawPath? {
    get { fields[Key.path]?.stringBytes.map { RawPath(bytes: $0) } }
    set { fields[Key.path] = newValue?.json }
  }

  /// The `origin` key as a path: the file atk-scan first emitted, the journal's key.
  public var origin: RawPath? {
    get { fields[Key.origin]?.stringBytes.map { RawPath(bytes: $0) } }
    set { fields[Key.origin] = newValue?.json }
  }

  /// The `relpath` key: the path below the scanned root.
  public var relpath: RawPath? {
    get { fields[Key.relpath]?.stringBytes.map { RawPath(bytes: $0) } }
    set { fields[Key.relpath] = newValue?.json }
  }

  /// Sets `origin` to `path`, and `relpath` to the path's last component, where the record
  /// has no such key, as for a bare path; a record without a `path` is left as it is.
  ///
  /// The driver does this to every record before its stage sees it, so every tool keeps the
  /// `origin` of a record that arrived without one.
  public mutating func setMissingOriginAndRelpath() {
    guard let path else { return }
    if fields[Key.origin] == nil { origin = path }
    if fields[Key.relpath] == nil { relpath = path.lastComponent }
  }

  /// Whether the record says a tool failed on it (`"status": "failed"`).
  public var isFailed: Bool { fields[Key.status]?.stringValue == "failed" }

  /// Whether a tool derived no output from it (`dropped` is set).
  public var isDropped: Bool {
    if let d = fields[Key.dropped], d != .null, d != .bool(false) { return true }
    return false
  }

  /// Whether later tools must pass the record through untouched.
  public var isTerminal: Bool { isFailed || isDropped }

  /// The record's place among the outputs of its origin, outermost first.
  ///
  /// Each element is `(index, count)` with `index` counted from 1. An empty array means the
  /// record stands for its whole origin.
  public var part: [Part] {
    get {
      guard let array = fields[Key.part]?.arrayValue else { return [] }
      return array.compactMap { element in
        guard let o = element.objectValue, let index = o["index"]?.intValue,
          let count = o["count"]?.intValue
        else { return nil }
        return Part(index: index, count: count)
      }
    }
    set {
      fields[Key.part] =
        newValue.isEmpty
        ? nil
        : .array(newValue.map { .object(["index": .int($0.index), "count": .int($0.count)]) })
    }
  }

  /// One level of a record's place among its siblings.
  public struct Part: Hashable, Sendable, CustomStringConvertible {
    /// Position among the siblings, from 1.
    public var index: Int64
    /// How many siblings there are.
    public var count: Int64

    public init(index: Int64, count: Int64) {
      self.index = index
      self.count = count
    }

    public var description: String { "\(index)/\(count)" }
  }

  /// A copy of the record marked failed, with an `error` object and the failing `step`.
  ///
  /// Every other key is kept, `origin` and `part` among them, so the journal learns what failed.
  public func failed(code: ErrorCode, message: String, step: String) -> Record {
    var copy = self
    copy[Key.status] = "failed"
    copy[Key.error] = .object(["code": .string(code.rawValue), "message": .string(message)])
    copy[Key.step] = .string(step)
    return copy
  }

  /// The failure's code and message, if the record failed.
  ///
  /// The code is a string: a record from upstream may carry any code, and passes on as it is.
  public var errorInfo: (code: String, message: String)? {
    guard isFailed else { return nil }
    let object = fields[Key.error]?.objectValue
    return (
      object?["code"]?.stringValue ?? "unknown",
      object?["message"]?.stringValue ?? "failed"
    )
  }
}
