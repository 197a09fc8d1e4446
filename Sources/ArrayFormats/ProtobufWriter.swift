/// Protocol Buffers' wire format written field by field (protobuf.dev, "Encoding"): the
/// inverse of ``ProtobufReader``, for writing ONNX files.
///
/// Each field is its key — field number << 3 | wire type, as a varint — then its payload: a
/// varint, 4 little-endian bytes, or a varint length and that many bytes (strings, bytes,
/// nested messages, packed repeated scalars). Negative integers are written as ten-byte
/// varints of their two's complement, as protobuf's `int64` requires.
public struct ProtobufWriter: Sendable {
    /// The message written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty message.
    public init() {}

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func key(_ number: Int, _ wireType: ProtobufReader.WireType) {
        varint(UInt64(number) << 3 | UInt64(wireType.rawValue))
    }

    /// An integer field (int32, int64, enum: a varint).
    public mutating func integer(_ number: Int, _ value: Int64) {
        key(number, .varint)
        varint(UInt64(bitPattern: value))
    }

    /// A float field (4 little-endian bytes).
    public mutating func float(_ number: Int, _ value: Float) {
        key(number, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A bytes field.
    public mutating func bytes(_ number: Int, _ payload: [UInt8]) {
        key(number, .lengthDelimited)
        varint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    /// A string field, as UTF-8.
    public mutating func string(_ number: Int, _ text: String) { bytes(number, Array(text.utf8)) }

    /// A nested message field, written by `body`.
    public mutating func message(_ number: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        bytes(number, inner.bytes)
    }

    /// A packed repeated integer field.
    public mutating func packedIntegers(_ number: Int, _ values: [Int64]) {
        var inner = ProtobufWriter()
        for value in values { inner.varint(UInt64(bitPattern: value)) }
        bytes(number, inner.bytes)
    }
}
