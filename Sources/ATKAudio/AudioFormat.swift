import ATKRecords
import CSndFile

/// The output formats atk writes, and the names atk gives libsndfile's formats.
public enum AudioFormat: String, CaseIterable, Sendable {
  case wav, flac, mp3, ogg, opus

  /// The file extension of outputs in this format.
  public var fileExtension: String { rawValue }

  /// Whether samples are stored exactly (PCM or lossless).
  public var isLossless: Bool { self == .wav || self == .flac }

  /// The tags an output in this format holds: all of them, but WAV and MP3 outputs hold no
  /// `license`.
  public func tagsHeld(of tags: [String: String]) -> [String: String] {
    self == .wav || self == .mp3 ? tags.filter { $0.key != "license" } : tags
  }

  /// The format named by a `format` value or an extension (`wave`, `oga` and `aif` too).
  public init?(name: String) {
    switch name.lowercased() {
    case "wav", "wave": self = .wav
    case "flac": self = .flac
    case "mp3": self = .mp3
    case "ogg", "oga", "vorbis": self = .ogg
    case "opus": self = .opus
    default: return nil
    }
  }

  /// Extensions taken from folders by default: what libsndfile reads, plus containers it does
  /// not (M4A, AAC, WMA), so those are reported as unsupported rather than skipped unseen.
  public static let walkExtensions: Set<String> = [
    "wav", "wave", "bwf", "rf64", "w64", "flac", "mp3", "ogg", "oga", "opus", "aif", "aiff",
    "aifc", "au", "snd", "caf", "m4a", "aac", "mp4", "wma",
  ]

  /// The `format` name of a libsndfile format word: `wav`, `flac`, `mp3`, `ogg`, `opus`, ...
  public static func containerName(_ format: Int32) -> String {
    let major = Int(format) & SF_FORMAT_TYPEMASK
    let minor = Int(format) & SF_FORMAT_SUBMASK
    switch major {
    case SF_FORMAT_WAV, SF_FORMAT_WAVEX: return "wav"
    case SF_FORMAT_AIFF: return "aiff"
    case SF_FORMAT_AU: return "au"
    case SF_FORMAT_RAW: return "raw"
    case SF_FORMAT_W64: return "w64"
    case SF_FORMAT_RF64: return "rf64"
    case SF_FORMAT_FLAC: return "flac"
    case SF_FORMAT_CAF: return "caf"
    case SF_FORMAT_OGG: return minor == SF_FORMAT_OPUS ? "opus" : "ogg"
    case SF_FORMAT_MPEG: return "mp3"
    case SF_FORMAT_NIST: return "nist"
    case SF_FORMAT_VOC: return "voc"
    case SF_FORMAT_IRCAM: return "ircam"
    case SF_FORMAT_PAF: return "paf"
    case SF_FORMAT_SVX: return "svx"
    case SF_FORMAT_MAT4: return "mat4"
    case SF_FORMAT_MAT5: return "mat5"
    case SF_FORMAT_PVF: return "pvf"
    case SF_FORMAT_XI: return "xi"
    case SF_FORMAT_HTK: return "htk"
    case SF_FORMAT_SDS: return "sds"
    case SF_FORMAT_AVR: return "avr"
    case SF_FORMAT_SD2: return "sd2"
    case SF_FORMAT_WVE: return "wve"
    case SF_FORMAT_MPC2K: return "mpc2k"
    default: return "unknown"
    }
  }

  /// The `encoding` name of a libsndfile format word: `pcm_16`, `float`, `vorbis`, `mp3`, ...
  public static func encodingName(_ format: Int32) -> String {
    switch Int(format) & SF_FORMAT_SUBMASK {
    case SF_FORMAT_PCM_S8: return "pcm_s8"
    case SF_FORMAT_PCM_16: return "pcm_16"
    case SF_FORMAT_PCM_24: return "pcm_24"
    case SF_FORMAT_PCM_32: return "pcm_32"
    case SF_FORMAT_PCM_U8: return "pcm_u8"
    case SF_FORMAT_FLOAT: return "float"
    case SF_FORMAT_DOUBLE: return "double"
    case SF_FORMAT_ULAW: return "ulaw"
    case SF_FORMAT_ALAW: return "alaw"
    case SF_FORMAT_IMA_ADPCM: return "ima_adpcm"
    case SF_FORMAT_MS_ADPCM: return "ms_adpcm"
    case SF_FORMAT_GSM610: return "gsm610"
    case SF_FORMAT_VOX_ADPCM: return "vox_adpcm"
    case SF_FORMAT_G721_32: return "g721_32"
    case SF_FORMAT_G723_24: return "g723_24"
    case SF_FORMAT_G723_40: return "g723_40"
    case SF_FORMAT_DWVW_12: return "dwvw_12"
    case SF_FORMAT_DWVW_16: return "dwvw_16"
    case SF_FORMAT_DWVW_24: return "dwvw_24"
    case SF_FORMAT_DPCM_8: return "dpcm_8"
    case SF_FORMAT_DPCM_16: return "dpcm_16"
    case SF_FORMAT_VORBIS: return "vorbis"
    case SF_FORMAT_OPUS: return "opus"
    case SF_FORMAT_ALAC_16: return "alac_16"
    case SF_FORMAT_ALAC_20: return "alac_20"
    case SF_FORMAT_ALAC_24: return "alac_24"
    case SF_FORMAT_ALAC_32: return "alac_32"
    case SF_FORMAT_MPEG_LAYER_I: return "mp1"
    case SF_FORMAT_MPEG_LAYER_II: return "mp2"
    case SF_FORMAT_MPEG_LAYER_III: return "mp3"
    default: return "unknown"
    }
  }

  /// Bits per sample of an integer PCM encoding (also FLAC and ALAC), nil for float and lossy.
  public static func integerBits(_ format: Int32) -> Int? {
    switch Int(format) & SF_FORMAT_SUBMASK {
    case SF_FORMAT_PCM_S8, SF_FORMAT_PCM_U8, SF_FORMAT_DPCM_8: return 8
    case SF_FORMAT_PCM_16, SF_FORMAT_DPCM_16, SF_FORMAT_DWVW_16, SF_FORMAT_ALAC_16: return 16
    case SF_FORMAT_ALAC_20: return 20
    case SF_FORMAT_PCM_24, SF_FORMAT_DWVW_24, SF_FORMAT_ALAC_24: return 24
    case SF_FORMAT_PCM_32, SF_FORMAT_ALAC_32: return 32
    default: return nil
    }
  }
}
