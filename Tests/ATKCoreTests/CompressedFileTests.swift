import ATKAudio
import ATKEncoding
import ATKKit
import ATKRecords
import ATKTestSupport
import Testing

/// Writes `seconds` of a 440 Hz tone at 8 kHz mono in `format` through the core's sinks.
func encodedFile(_ format: AudioFormat, at path: RawPath, seconds: Double = 2) throws {
  let output = try OutputFile(finalPath: path)
  let sink = try AudioSinks.open(
    EncoderSettings(format: format, sampleRate: 8000, channels: 1), into: output)
  let frames = Int(seconds * 8000)
  let signal = TestAudio.sine(440, sampleRate: 8000)
  var block = [Float](repeating: 0, count: 1000)
  var done = 0
  while done < frames {
    let n = min(block.count, frames - done)
    for i in 0..<n { block[i] = Float(signal(done + i, 0)) }
    try block.withUnsafeBufferPointer { try sink.write($0.baseAddress!, frames: n) }
    done += n
  }
  _ = try sink.finish()
  try output.commit()
}

/// The scan record's error code ("ok" when it scanned) and message.
func scanOutcome(_ path: RawPath, verify: Bool = false) -> (code: String, message: String) {
  guard let record = scan(Record(path: path), verify: verify).first else { return ("nothing", "") }
  return (record.errorInfo?.code ?? "ok", record.errorInfo?.message ?? "")
}

@Suite struct CompressedFileTests {
  @Test(arguments: [AudioFormat.flac, .ogg, .opus])
  func wholeFileScans(format: AudioFormat) throws {
    let dir = try TemporaryDirectory()
    let path = dir.raw.appending("whole.\(format.fileExtension)")
    try encodedFile(format, at: path)
    let record = try #require(scan(Record(path: path)).first)
    #expect(record.errorInfo == nil, "\(record.jsonLine)")
    let verified = try #require(scan(Record(path: path), verify: true).first)
    #expect(verified.errorInfo == nil, "\(verified.jsonLine)")
    #expect(record[Record.Key.sampleRate] == .int(8000))
    if format == .flac { #expect(record[Record.Key.frames] == .int(16000)) }
  }

  @Test(arguments: [AudioFormat.flac, .ogg, .opus], [5, 20, 50, 80, 95, 99])
  func fileCutShortIsTruncated(format: AudioFormat, percent: Int) throws {
    let dir = try TemporaryDirectory()
    let whole = dir.raw.appending("whole.\(format.fileExtension)")
    try encodedFile(format, at: whole)
    let bytes = try #require(TestFiles.read(whole))
    let cut = dir.raw.appending("cut.\(format.fileExtension)")
    try TestFiles.write(cut, Array(bytes.prefix(bytes.count * percent / 100)))
    for verify in [false, true] {
      let outcome = scanOutcome(cut, verify: verify)
      #expect(outcome.code == "truncated", "\(format) cut at \(percent)%: \(outcome.message)")
      #expect(!outcome.message.contains("9223372036854775807"), "\(outcome.message)")
    }
  }
}
