import ATKAudio
import ATKKit
import ATKRecords
import CLame

#if canImport(Glibc)
  import Glibc
#endif

/// MP3 through the LAME API, written straight into the output's descriptor.
///
/// The file is an ID3v2 tag (only when there are tags), then the audio frames. The first frame
/// is LAME's placeholder, overwritten at the end with the Xing/Info frame and its LAME tag,
/// which states the exact length and the encoder delay and padding, so decoders that read it
/// (libsndfile, ffmpeg, lame --decode) give back exactly the frames that went in. At the low
/// constant bit rates where a frame is too small for that tag, LAME writes none; atk then
/// reserves the first frame itself and writes the tag at a bit rate that holds it
/// (`MP3InfoTag`), so every MP3 atk writes decodes to the frames its record states.
///
/// Encoding follows the `lame` command line's defaults (psychoacoustic quality `-q 3`, joint
/// stereo chosen by LAME): CBR at `settings.bitrate`, or VBR (`vbr_mtrh`) at
/// `settings.quality`, `-V 2` when neither is given.
package final class Mp3Sink: AudioSink {
  /// The sample rates MPEG audio layer III holds.
  package static let sampleRates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]

  /// The default VBR quality, like `lame -V 2`.
  static let defaultQuality = 2.0

  private let lame: lame_t
  private let settings: EncoderSettings
  private let output: OutputFile
  private let buffer: UnsafeMutablePointer<UInt8>
  private let bufferCapacity = 1 << 18
  private var buffered = 0
  private var written: Int64 = 0
  private var audioStart: Int64 = 0
  private var frames: Int64 = 0
  /// The tag frame atk writes itself (LAME writes none at this bit rate), or 0.
  private var ownTagLength = 0
  /// CRC-16 of the audio frames, for a tag atk writes.
  private var musicCRC = CRC16()

  /// LAME's encoder delay in frames (`lame_get_encoder_delay`).
  package private(set) var encoderDelay = 0
  /// The padding LAME added at the end, in frames (`lame_get_encoder_padding`); set by `finish`.
  package private(set) var encoderPadding = 0

  /// Sets LAME up (`lame_init`, `lame_set_*`, `id3tag_*`, `lame_init_params`) and writes the
  /// ID3v2 tag.
  ///
  /// - Throws: `SoundFileError.cannotWrite` when LAME refuses the settings or the write fails.
  init(settings: EncoderSettings, output: OutputFile) throws(SoundFileError) {
    guard settings.channels == 1 || settings.channels == 2 else {
      throw .cannotWrite(
        path: output.finalPath, reason: "mp3 holds 1 or 2 channels, not \(settings.channels)")
    }
    guard Self.sampleRates.contains(settings.sampleRate) else {
      throw .cannotWrite(
        path: output.finalPath, reason: "mp3 cannot hold a sample rate of \(settings.sampleRate) Hz"
      )
    }
    guard let lame = lame_init() else {
      throw .cannotWrite(path: output.finalPath, reason: "lame_init failed")
    }
    self.lame = lame
    self.settings = settings
    self.output = output
    self.buffer = .allocate(capacity: bufferCapacity)

    lame_set_num_channels(lame, Int32(settings.channels))
    lame_set_in_samplerate(lame, Int32(settings.sampleRate))
    lame_set_out_samplerate(lame, Int32(settings.sampleRate))
    if settings.channels == 1 { lame_set_mode(lame, MONO) }
    if let bitrate = settings.bitrate {
      lame_set_VBR(lame, vbr_off)
      lame_set_brate(lame, Int32(bitrate))
    } else {
      lame_set_VBR(lame, vbr_mtrh)
      lame_set_VBR_quality(lame, Float(settings.quality ?? Self.defaultQuality))
    }
    lame_set_bWriteVbrTag(lame, 1)
    lame_set_write_id3tag_automatic(lame, 0)
    let tags = settings.tags.filter { !$0.value.isEmpty }
    if !tags.isEmpty {
      id3tag_init(lame)
      id3tag_add_v2(lame)
      id3tag_v2_only(lame)
      for (name, value) in tags.sorted(by: { $0.key < $1.key }) {
        Self.setTag(lame, name: name, value: value)
      }
    }
    guard lame_init_params(lame) >= 0 else {
      throw .cannotWrite(
        path: output.finalPath,
        reason: "LAME refuses these settings (\(settings.sampleRate) Hz, "
          + (settings.bitrate.map { "\($0) kbit/s" } ?? "quality \(settings.quality ?? 2)") + ")")
    }
    encoderDelay = Int(lame_get_encoder_delay(lame))
    if !tags.isEmpty {
      let size = lame_get_id3v2_tag(lame, nil, 0)
      if size > 0 && size <= bufferCapacity {
        buffered = lame_get_id3v2_tag(lame, buffer, size)
      }
    }
    audioStart = Int64(buffered)
    let mono = lame_get_mode(lame) == MONO
    if settings.bitrate != nil
      && !MP3InfoTag.lameWritesTag(
        bitrate: Int(lame_get_brate(lame)), sampleRate: settings.sampleRate, mono: mono)
    {
      // Room for the tag frame, written over these zeros in `finish`.
      ownTagLength = MP3InfoTag.length(sampleRate: settings.sampleRate, mono: mono)
      (buffer + buffered).initialize(repeating: 0, count: ownTagLength)
      buffered += ownTagLength
    }
  }

  deinit {
    lame_close(lame)
    buffer.deallocate()
  }

  /// The ID3v2 frames of the record's tags.
  private static let frameIDs: [String: String] = [
    "title": "TIT2", "artist": "TPE1", "album": "TALB", "date": "TYER", "genre": "TCON",
    "tracknumber": "TRCK", "copyright": "TCOP", "license": "TXXX",
  ]

  /// Adds one text tag: Latin-1 calls for ASCII text, UTF-16 (with a byte-order mark) otherwise.
  private static func setTag(_ lame: lame_t, name: String, value: String) {
    let ascii = value.utf8.allSatisfy { $0 < 0x80 && $0 != 0 }
    if name == "comment" {
      if ascii {
        id3tag_set_comment_latin1(lame, "eng", "", value)
      } else {
        let empty: [UInt16] = [0xFEFF, 0]
        let text = [0xFEFF] + Array(value.utf16) + [0]
        id3tag_set_comment_utf16(lame, "eng", empty, text)
      }
      return
    }
    guard let id = frameIDs[name] else { return }
    let text = id == "TXXX" ? "\(name.uppercased())=\(value)" : value
    if ascii {
      id3tag_set_textinfo_latin1(lame, id, text)
    } else {
      id3tag_set_textinfo_utf16(lame, id, [0xFEFF] + Array(text.utf16) + [0])
    }
  }

  package var prefersIntegers: Bool { true }

  /// Room LAME may need for `frames` frames: 1.25 × samples + 7200 (lame.h).
  private func reserve(frames: Int) throws(SoundFileError) -> Int32 {
    let needed = frames + frames / 4 + 7200
    if bufferCapacity - buffered < needed { try drain() }
    return Int32(bufferCapacity - buffered)
  }

  private func encodeError(_ code: Int32) -> SoundFileError {
    .cannotWrite(path: output.finalPath, reason: "LAME failed to encode (error \(code))")
  }

  /// Feeds `count` frames to LAME in blocks of 8192 through `encode(block, frames, out, room)`,
  /// which returns the bytes LAME wrote or a negative error.
  private func encode<Sample>(
    _ samples: UnsafePointer<Sample>, frames count: Int,
    _ encode: (UnsafePointer<Sample>, Int32, UnsafeMutablePointer<UInt8>, Int32) -> Int32
  ) throws(SoundFileError) {
    var done = 0
    while done < count {
      let n = min(count - done, 8192)
      let room = try reserve(frames: n)
      let result = encode(samples + done * settings.channels, Int32(n), buffer + buffered, room)
      guard result >= 0 else { throw encodeError(result) }
      buffered += Int(result)
      done += n
    }
    frames += Int64(count)
  }

  /// Encodes full-scale 32-bit integers (`lame_encode_buffer_interleaved_int`, or
  /// `lame_encode_buffer_int` for mono).
  package func write(_ samples: UnsafePointer<Int32>, frames count: Int) throws(SoundFileError) {
    let mono = settings.channels == 1
    try encode(samples, frames: count) { block, n, out, room in
      mono
        ? lame_encode_buffer_int(lame, block, block, n, out, room)
        : lame_encode_buffer_interleaved_int(lame, block, n, out, room)
    }
  }

  /// Encodes 16-bit integers (`lame_encode_buffer_interleaved`, or `lame_encode_buffer` for
  /// mono), as the `lame` command line does with 16-bit input.
  package func write(_ samples: UnsafePointer<Int16>, frames count: Int) throws(SoundFileError) {
    let mono = settings.channels == 1
    try encode(samples, frames: count) { block, n, out, room in
      mono
        ? lame_encode_buffer(lame, block, block, n, out, room)
        : lame_encode_buffer_interleaved(lame, UnsafeMutablePointer(mutating: block), n, out, room)
    }
  }

  /// Encodes floats in [-1, 1] (`lame_encode_buffer_interleaved_ieee_float`, or
  /// `lame_encode_buffer_ieee_float` for mono).
  package func write(_ samples: UnsafePointer<Float>, frames count: Int) throws(SoundFileError) {
    let mono = settings.channels == 1
    try encode(samples, frames: count) { block, n, out, room in
      mono
        ? lame_encode_buffer_ieee_float(lame, block, block, n, out, room)
        : lame_encode_buffer_interleaved_ieee_float(lame, block, n, out, room)
    }
  }

  /// Flushes LAME (`lame_encode_flush`), writes the rest, then puts the Xing/LAME tag frame
  /// (`lame_get_lametag_frame`, or atk's own) over the placeholder at the start of the audio.
  ///
  /// - Throws: `SoundFileError.cannotWrite` when a write fails, or when the file would have no
  ///   length tag (it would then decode to more frames than went in).
  package func finish() throws(SoundFileError) -> AudioFacts {
    let room = try reserve(frames: 0)
    let result = lame_encode_flush(lame, buffer + buffered, room)
    guard result >= 0 else { throw encodeError(result) }
    buffered += Int(result)
    try drain()
    encoderPadding = Int(lame_get_encoder_padding(lame))
    let size = lame_get_lametag_frame(lame, nil, 0)
    if ownTagLength > 0 {
      guard size == 0 else { throw missingTag("LAME wrote a tag frame of its own too") }
      try writeOwnTag()
    } else if size > 0 && size <= bufferCapacity {
      let count = lame_get_lametag_frame(lame, buffer, size)
      try positionalWrite(buffer, count: count, at: audioStart)
    } else {
      throw missingTag("LAME wrote no length tag")
    }
    let bitrate =
      settings.bitrate.map { _ in Int(lame_get_brate(lame)) }
      ?? AudioFacts.averageBitrate(bytes: written, frames: frames, sampleRate: settings.sampleRate)
    return AudioFacts(
      format: "mp3", encoding: "mp3", sampleRate: settings.sampleRate,
      channels: settings.channels, frames: frames, bytes: written, bitrate: bitrate)
  }

  private func missingTag(_ reason: String) -> SoundFileError {
    .cannotWrite(
      path: output.finalPath,
      reason: "\(reason) at \(settings.sampleRate) Hz, \(lame_get_brate(lame)) kbit/s")
  }

  /// Writes the Info frame and LAME tag that LAME could not fit at this bit rate over the zeros
  /// reserved for it, stating what LAME itself would.
  private func writeOwnTag() throws(SoundFileError) {
    let musicStart = audioStart + Int64(ownTagLength)
    var header = [UInt8](repeating: 0, count: 4)
    let read = header.withUnsafeMutableBytes {
      Descriptor.readFully(output.descriptor, $0.baseAddress!, count: 4, at: musicStart)
    }
    let mono = lame_get_mode(lame) == MONO
    guard read == 4, header[0] == 0xFF, header[1] & 0xE0 == 0xE0, (header[3] >> 6 == 3) == mono
    else { throw missingTag("no MPEG frame follows the tag frame") }
    let mode = lame_get_mode(lame)
    let stereoMode = mode == MONO ? 0 : mode == STEREO ? 1 : mode == DUAL_CHANNEL ? 2 : 3
    let contents = MP3InfoTag.Contents(
      audioHeader: header, sampleRate: settings.sampleRate, mono: mono,
      frames: Int(lame_get_frameNum(lame)), bytes: written - audioStart,
      musicCRC: musicCRC.value, encoderDelay: encoderDelay, encoderPadding: encoderPadding,
      bitrate: Int(lame_get_brate(lame)),
      quality: 100 - 10 * Int(lame_get_VBR_q(lame)) - Int(lame_get_quality(lame)),
      lowpassHz: Int(lame_get_lowpassfreq(lame)), athType: Int(lame_get_ATHtype(lame)),
      stereoMode: stereoMode,
      encoder: String(cString: get_lame_very_short_version()))
    // Through the (drained) buffer: closures over arrays cannot throw typed errors.
    let frame = MP3InfoTag.frame(contents)
    buffer.update(from: frame, count: frame.count)
    try positionalWrite(buffer, count: frame.count, at: audioStart)
  }

  /// Writes the buffered bytes to the descriptor (`write(2)`, retrying short writes and EINTR);
  /// adds the audio frames among them to the music CRC when atk writes the tag.
  private func drain() throws(SoundFileError) {
    let failure = Descriptor.writeAll(output.descriptor, buffer, count: buffered)
    if failure != 0 { throw writeFailure(failure) }
    if ownTagLength > 0 {
      let musicStart = audioStart + Int64(ownTagLength)
      let skip = Int(max(0, min(Int64(buffered), musicStart - written)))
      musicCRC.update(UnsafeRawBufferPointer(start: buffer + skip, count: buffered - skip))
    }
    written += Int64(buffered)
    buffered = 0
  }

  private func positionalWrite(_ bytes: UnsafePointer<UInt8>, count: Int, at position: Int64)
    throws(SoundFileError)
  {
    let failure = Descriptor.writeAll(output.descriptor, bytes, count: count, at: position)
    if failure != 0 { throw writeFailure(failure) }
  }

  private func writeFailure(_ code: Int32) -> SoundFileError {
    .cannotWrite(path: output.finalPath, reason: String(cString: strerror(code)))
  }
}
