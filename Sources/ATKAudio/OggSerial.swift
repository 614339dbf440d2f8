import ATKKit
import ATKRecords

#if canImport(Glibc)
  import Glibc
#endif

/// Gives an Ogg file a stream serial number of atk's choosing, and checks an Ogg file page by
/// page (`damage(descriptor:size:)`).
///
/// libsndfile seeds each Ogg stream's serial number from the clock, so the same input would
/// give different bytes on every run. atk derives the serial from the output's file name
/// instead, so a conversion is reproducible byte for byte (a resumed batch, `--jobs`).
package enum OggSerial {
  /// The serial number for an output named `name`: FNV-1a of the name, folded to 32 bits.
  package static func serial(for name: RawPath) -> UInt32 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
  }

  /// Rewrites the serial number and checksum of every page of the Ogg file open on `fd`.
  ///
  /// - Returns: false when the file is not a sequence of Ogg pages or cannot be rewritten.
  package static func rewrite(descriptor fd: Int32, serial: UInt32) -> Bool {
    let page = UnsafeMutablePointer<UInt8>.allocate(capacity: 27 + 255 + 255 * 255)
    defer { page.deallocate() }
    var offset: off_t = 0
    while true {
      let header = Descriptor.readFully(fd, page, count: 27, at: Int64(offset))
      if header == 0 { return true }
      guard header == 27, page[0] == 0x4F, page[1] == 0x67, page[2] == 0x67, page[3] == 0x53
      else { return false }
      let segments = Int(page[26])
      guard Descriptor.readFully(fd, page + 27, count: segments, at: Int64(offset) + 27) == segments
      else { return false }
      var body = 0
      for i in 0..<segments { body += Int(page[27 + i]) }
      let headerSize = 27 + segments
      let bodyOffset = Int64(offset) + Int64(headerSize)
      guard Descriptor.readFully(fd, page + headerSize, count: body, at: bodyOffset) == body else {
        return false
      }
      let size = headerSize + body
      for i in 0..<4 {
        page[14 + i] = UInt8(truncatingIfNeeded: serial >> (8 * UInt32(i)))
        page[22 + i] = 0
      }
      let crc = checksum(page, count: size)
      for i in 0..<4 { page[22 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
      guard Descriptor.writeAll(fd, page, count: size, at: Int64(offset)) == 0 else { return false }
      offset += off_t(size)
    }
  }

  /// What is wrong with the pages of the Ogg file open on `fd` (`size` bytes), or nil when it
  /// is a run of whole pages from its first byte to its last, each with a valid checksum, and
  /// no page of a stream missing (each stream's page sequence numbers count up by one).
  ///
  /// A decoder (libogg) skips a page whose checksum fails, and libsndfile then counts the
  /// length from the first page it could read, so a file decoding to the length it reports can
  /// still have lost audio: this finds that. Reads every byte once.
  static func damage(descriptor fd: Int32, size: Int64) -> String? {
    let page = UnsafeMutablePointer<UInt8>.allocate(capacity: 27 + 255 + 255 * 255)
    defer { page.deallocate() }
    var sequences: [UInt32: UInt32] = [:]
    var offset: Int64 = 0
    var number = 0
    while offset < size {
      number += 1
      let place = "page \(number) (byte \(offset))"
      let header = Descriptor.readFully(fd, page, count: Int(min(27, size - offset)), at: offset)
      guard header == 27, page[0] == 0x4F, page[1] == 0x67, page[2] == 0x67, page[3] == 0x53,
        page[4] == 0
      else { return "\(place) is not an Ogg page" }
      let segments = Int(page[26])
      guard Descriptor.readFully(fd, page + 27, count: segments, at: offset + 27) == segments
      else { return "\(place) is cut short" }
      var body = 0
      for i in 0..<segments { body += Int(page[27 + i]) }
      let headerSize = 27 + segments
      guard
        Descriptor.readFully(fd, page + headerSize, count: body, at: offset + Int64(headerSize))
          == body
      else { return "\(place) is cut short" }
      var stored: UInt32 = 0
      for i in 0..<4 {
        stored |= UInt32(page[22 + i]) << (8 * UInt32(i))
        page[22 + i] = 0
      }
      if checksum(page, count: headerSize + body) != stored {
        return "\(place) fails its checksum: it is damaged, and decoders skip it"
      }
      var serial: UInt32 = 0
      var sequence: UInt32 = 0
      for i in 0..<4 {
        serial |= UInt32(page[14 + i]) << (8 * UInt32(i))
        sequence |= UInt32(page[18 + i]) << (8 * UInt32(i))
      }
      if let previous = sequences[serial], sequence != previous &+ 1 {
        return "pages are missing before \(place): its sequence number is \(sequence), "
          + "after \(previous)"
      }
      sequences[serial] = sequence
      offset += Int64(headerSize + body)
    }
    return nil
  }

  /// The Ogg page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, starting at 0.
  private static let table: [UInt32] = (0..<256).map { index in
    var r = UInt32(index) << 24
    for _ in 0..<8 { r = r & 0x8000_0000 != 0 ? (r << 1) ^ 0x04C1_1DB7 : r << 1 }
    return r
  }

  private static func checksum(_ bytes: UnsafePointer<UInt8>, count: Int) -> UInt32 {
    var crc: UInt32 = 0
    table.withUnsafeBufferPointer { t in
      for i in 0..<count { crc = (crc << 8) ^ t[Int((crc >> 24) ^ UInt32(bytes[i]))] }
    }
    return crc
  }
}
