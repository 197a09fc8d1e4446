/// Protocol Buffers' wire format (protobuf.dev, "Encoding"), read field by field: the
/// encoding of ONNX files.
///
/// A message is a sequence of fields, each a varint key — field number << 3 | wire type — and
/// a payload: a varint (type 0), 8 little-endian bytes (type 1), a varint length and that many
/// bytes (type 2: strings, bytes, nested messages and packed repeated scalars), or 4
/// little-endian bytes (type 5). Groups (types 3 and 4) are long deprecated and refused. Every
/// read is bounds-checked against the bytes the message has, so a truncated file, a length
/// past the end, a varint longer than 10 bytes or a field number 0 is an error naming the
/// offset — never a crash, and never an allocation of a size the file only declares.
public struct ProtobufReader: Sendable {
    /// The whole buffer the message lies in.
    public let bytes: [UInt8]
    /// The message's bytes within ``bytes``.
    public let range: Range<Int>
    private var position: Int

    /// The wire types of protobuf's encoding.
    public enum WireType: Int, Sendable {
        /// A varint.
        case varint = 0
        /// 8 little-endian bytes (fixed64, double).
        case fixed64 = 1
        /// A varint length and that many bytes.
        case lengthDelimited = 2
        /// 4 little-endian bytes (fixed32, float).
        case fixed32 = 5
    }

    /// One field as it lies on the wire.
    public struct Field: Sendable {
        /// The field number (≥ 1).
        public var number: Int
        /// How its payload is encoded.
        public var wireType: WireType
        /// A varint's value, or a fixed64's or fixed32's bits.
        public var scalar: UInt64
        /// A length-delimited payload's bytes within the reader's buffer (empty otherwise).
        public var payload: Range<Int>
    }

    /// A reader of the message that is all of `bytes`.
    public init(_ bytes: [UInt8]) {
        self.init(bytes, range: 0..<bytes.count)
    }

    /// A reader of the message at `range` of `bytes`.
    public init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.range = range
        position = range.lowerBound
    }

    /// A reader of a length-delimited field's payload, as a nested message.
    public func message(_ field: Field) -> ProtobufReader { ProtobufReader(bytes, range: field.payload) }

    /// The next field, or nil at the end of the message.
    /// - Throws: ``ProtobufError`` for a truncated field, a bad wire type or field number, or a
    ///   length past the end of the message.
    public mutating func next() throws(ProtobufError) -> Field? {
        guard position < range.upperBound else { return nil }
        let start = position
        let key = try readVarint()
        let number = key >> 3
        guard number >= 1, number <= 536_870_911 else { throw ProtobufError("field number \(number) at byte \(start) is outside 1…2²⁹ − 1") }
        guard let wireType = WireType(rawValue: Int(key & 7)) else {
            throw ProtobufError("wire type \(key & 7) at byte \(start) is not one of 0, 1, 2, 5 (groups are not supported)")
        }
        var field = Field(number: Int(number), wireType: wireType, scalar: 0, payload: position..<position)
        switch wireType {
        case .varint:
            field.scalar = try readVarint()
        case .fixed64:
            field.scalar = try readLittleEndian(8)
        case .fixed32:
            field.scalar = try readLittleEndian(4)
        case .lengthDelimited:
            let length = try readVarint()
            guard length <= UInt64(range.upperBound - position) else {
                throw ProtobufError("field \(number) at byte \(start) declares \(length) bytes but only \(range.upperBound - position) remain: the file is truncated or corrupt")
            }
            field.payload = position..<(position + Int(length))
            position += Int(length)
        }
        return field
    }

    /// A base-128 varint (at most 10 bytes).
    private mutating func readVarint() throws(ProtobufError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard position < range.upperBound else { throw ProtobufError("a varint at byte \(position) runs past the end: the file is truncated") }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte & 0x80 != 0 { throw ProtobufError("a varint at byte \(position - 10) is longer than 10 bytes") }
            if shift == 63 && byte > 1 { throw ProtobufError("a varint ending at byte \(position - 1) overflows 64 bits") }
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        preconditionFailure("unreachable: the tenth byte either ends the varint or is refused")
    }

    /// `count` little-endian bytes.
    private mutating func readLittleEndian(_ count: Int) throws(ProtobufError) -> UInt64 {
        guard range.upperBound - position >= count else { throw ProtobufError("a \(count)-byte field at byte \(position) runs past the end: the file is truncated") }
        var value: UInt64 = 0
        for k in 0..<count { value |= UInt64(bytes[position + k]) << UInt64(8 * k) }
        position += count
        return value
    }

    // MARK: Payloads

    /// A length-delimited field's bytes as UTF-8 text.
    /// - Throws: ``ProtobufError`` if they are not valid UTF-8.
    public func string(_ field: Field) throws(ProtobufError) -> String {
        guard let text = String(validating: bytes[field.payload], as: UTF8.self) else {
            throw ProtobufError("field \(field.number) at byte \(field.payload.lowerBound) is not valid UTF-8 text")
        }
        return text
    }

    /// A repeated varint field's values: one per field when unpacked, all of a packed
    /// (length-delimited) field otherwise.
    public func varints(_ field: Field) throws(ProtobufError) -> [UInt64] {
        guard field.wireType == .lengthDelimited else { return [field.scalar] }
        var packed = ProtobufReader(bytes, range: field.payload)
        var values: [UInt64] = []
        while packed.position < packed.range.upperBound { values.append(try packed.readVarint()) }
        return values
    }

    /// A repeated fixed32 field's values (floats' bits), packed or not.
    public func fixed32s(_ field: Field) throws(ProtobufError) -> [UInt32] {
        guard field.wireType == .lengthDelimited else { return [UInt32(truncatingIfNeeded: field.scalar)] }
        guard field.payload.count % 4 == 0 else { throw ProtobufError("packed field \(field.number) at byte \(field.payload.lowerBound) is not a whole number of 4-byte values") }
        return stride(from: field.payload.lowerBound, to: field.payload.upperBound, by: 4).map { littleEndian32(at: $0) }
    }

    /// A repeated fixed64 field's values (doubles' bits), packed or not.
    public func fixed64s(_ field: Field) throws(ProtobufError) -> [UInt64] {
        guard field.wireType == .lengthDelimited else { return [field.scalar] }
        guard field.payload.count % 8 == 0 else { throw ProtobufError("packed field \(field.number) at byte \(field.payload.lowerBound) is not a whole number of 8-byte values") }
        return stride(from: field.payload.lowerBound, to: field.payload.upperBound, by: 8).map { littleEndian64(at: $0) }
    }

    /// The 4 little-endian bytes at `offset` of the buffer.
    public func littleEndian32(at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << UInt32(8 * $1) }
    }

    /// The 8 little-endian bytes at `offset` of the buffer.
    public func littleEndian64(at offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << UInt64(8 * $1) }
    }

    /// Checks that `field` has the wire type a message declares for it.
    /// - Throws: ``ProtobufError`` naming the message and field otherwise.
    public static func expect(_ field: Field, _ wireType: WireType, in message: String, _ name: String) throws(ProtobufError) {
        guard field.wireType == wireType else {
            throw ProtobufError("\(message).\(name) (field \(field.number)) at byte \(field.payload.lowerBound) has wire type \(field.wireType.rawValue), not \(wireType.rawValue): the file is corrupt")
        }
    }
}

/// A malformed protobuf message: what is wrong and where.
public struct ProtobufError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, with the byte offset.
    public var description: String
    /// An error with the given message.
    public init(_ description: String) { self.description = description }
}
