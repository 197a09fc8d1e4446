import Foundation
import Tensors

/// NumPy's `.npy` format (numpy/lib/format.py, "NEP 1"): read `<f8` and `<f4`, write `<f8`.
///
/// A file is the magic `\x93NUMPY`, a major and minor version byte, the header length
/// (2 bytes little-endian in version 1, 4 bytes in versions 2 and 3), the header — a Python
/// dict literal such as `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }`,
/// padded with spaces to a multiple of 64 bytes and ended by a newline — and then the raw
/// little-endian elements in C order.
///
/// Reading accepts versions 1, 2 and 3, dtypes `<f8` and `<f4`, little-endian signed and
/// unsigned integers of 1, 2, 4 and 8 bytes and booleans (all converted exactly to `Double`;
/// an integer beyond ±2⁵³, which a `Double` cannot hold exactly, is refused), and C order. Everything else is rejected with an ``NPYError`` that names the
/// file and the problem: Fortran order, big-endian or other dtypes, a malformed header,
/// truncated or surplus data, and (unless asked not to) NaN or infinite values.
///
/// Writing produces exactly the bytes `numpy.save` produces for a float64 C-order array —
/// version 1 header, 64-byte alignment, NumPy's spare space for growing the first axis —
/// so a file written here and one written by NumPy compare equal byte for byte.
public enum NPY {
    /// Reads a `.npy` file.
    /// - Parameters:
    ///   - url: the file.
    ///   - requireFinite: reject NaN and ±∞ (the default: inputs and weights must be numbers).
    /// - Throws: ``NPYError`` naming the file and the problem.
    public static func read(contentsOf url: URL, requireFinite: Bool = true) throws(NPYError) -> Tensor {
        let name = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory) else {
            throw NPYError(file: name, problem: "no such file; check the path")
        }
        guard !isDirectory.boolValue else {
            throw NPYError(file: name, problem: "is a directory, not a .npy file")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw NPYError(file: name, problem: "cannot be read (\(error.localizedDescription))")
        }
        return try decode([UInt8](data), name: name, requireFinite: requireFinite)
    }

    /// Decodes the bytes of a `.npy` file; `name` labels errors.
    public static func decode(_ bytes: [UInt8], name: String = "<npy>", requireFinite: Bool = true) throws(NPYError) -> Tensor {
        func fail(_ problem: String) -> NPYError { NPYError(file: name, problem: problem) }

        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a .npy file (the first bytes are not the \\x93NUMPY magic); save arrays with numpy.save")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated in the header length field") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("format version \(major).\(bytes[7]) is not supported (versions 1, 2 and 3 are)")
        }
        guard headerStart + headerLength <= bytes.count else {
            throw fail("truncated: the header says it is \(headerLength) bytes, but the file ends after \(bytes.count - headerStart)")
        }
        guard let headerText = String(validating: bytes[headerStart ..< headerStart + headerLength], as: UTF8.self) else {
            throw fail("the header is not valid text")
        }
        let header = try parseHeader(headerText, fail: fail)

        let elementSize = header.element.size
        guard let count = Tensor.checkedElementCount(of: header.shape),
              case let (byteCount, overflow) = count.multipliedReportingOverflow(by: elementSize), !overflow
        else {
            throw fail("shape \(header.shape) is too large")
        }
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        guard available >= byteCount else {
            throw fail("truncated: shape \(header.shape) needs \(byteCount) bytes of data, the file has \(available)")
        }
        guard available == byteCount else {
            throw fail("\(available - byteCount) unexpected bytes after the data for shape \(header.shape); the file is damaged or not one array")
        }

        let scalars = try elements(bytes, from: dataStart, count: count, header: header, fail: fail)
        if requireFinite, let bad = scalars.firstIndex(where: { !$0.isFinite }) {
            throw fail("element \(bad) (of shape \(header.shape)) is \(scalars[bad]); values must be finite numbers")
        }
        return Tensor(shape: header.shape, scalars: scalars)
    }

    /// The `count` elements of `header`'s type from `start`, as doubles (integers exactly).
    static func elements(_ bytes: [UInt8], from start: Int, count: Int, header: Header, fail: (String) -> NPYError) throws(NPYError) -> [Double] {
        let dataStart = start
        var scalars = [Double](repeating: 0, count: count)
        var inexact: Int? = nil
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart
            /// The little-endian unsigned integer of `size` bytes at element i.
            func bits(_ i: Int, _ size: Int) -> UInt64 {
                var value: UInt64 = 0
                for b in 0..<size { value |= UInt64(base.load(fromByteOffset: size * i + b, as: UInt8.self)) << (8 * UInt64(b)) }
                return value
            }
            let exact: UInt64 = 1 << 53
            for i in 0..<count {
                switch header.element {
                case .float64: scalars[i] = Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
                case .float32: scalars[i] = Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
                case .unsigned(let size):
                    let value = bits(i, size)
                    if value > exact && inexact == nil { inexact = i }
                    scalars[i] = Double(value)
                case .signed(let size):
                    let shift = UInt64(64 - 8 * size)
                    let value = Int64(bitPattern: bits(i, size) << shift) >> Int64(shift)  // sign-extended
                    if value.magnitude > exact && inexact == nil { inexact = i }
                    scalars[i] = Double(value)
                }
            }
        }
        if let inexact {
            throw fail("element \(inexact) (of shape \(header.shape)) is an integer beyond ±2⁵³, which a double cannot hold exactly")
        }
        return scalars
    }

    /// The bytes `numpy.save` writes for this tensor as a float64 C-order array.
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        let shapeText: String
        switch tensor.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(tensor.shape[0]),)"
        default: shapeText = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shapeText), }"
        // NumPy leaves room to grow the first axis to 21 digits in place.
        if let first = tensor.shape.first {
            header += String(repeating: " ", count: max(0, 21 - String(first).count))
        }
        // Pad so that magic (6) + version (2) + length field + header + "\n" is a multiple of
        // 64; NumPy uses version 1 unless the padded header outgrows its 2-byte length field.
        func padded(lengthFieldSize: Int) -> String {
            let unpadded = 8 + lengthFieldSize + header.utf8.count + 1
            return header + String(repeating: " ", count: 64 - unpadded % 64) + "\n"
        }
        var version: UInt8 = 1
        var lengthFieldSize = 2
        header = padded(lengthFieldSize: 2).utf8.count <= 65_535 ? padded(lengthFieldSize: 2) : {
            version = 2
            lengthFieldSize = 4
            return padded(lengthFieldSize: 4)
        }()
        let headerLength = header.utf8.count

        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        bytes.reserveCapacity(8 + lengthFieldSize + headerLength + 8 * tensor.count)
        for i in 0..<lengthFieldSize { bytes.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
        bytes.append(contentsOf: header.utf8)
        for value in tensor.scalars {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Writes a tensor as a float64 `.npy` file, atomically (see ``AtomicFile``).
    public static func write(_ tensor: Tensor, to url: URL) throws(FileWriteError) {
        try AtomicFile.write(encode(tensor), to: url)
    }

    // MARK: Header

    struct Header {
        var element: Element
        var shape: [Int]
    }

    /// The element types read.
    enum Element {
        case float64, float32
        case signed(bytes: Int), unsigned(bytes: Int)

        var size: Int {
            switch self {
            case .float64: return 8
            case .float32: return 4
            case .signed(let bytes), .unsigned(let bytes): return bytes
            }
        }

        /// The type of a `descr`, or nil.
        init?(descr: String) {
            switch descr {
            case "<f8": self = .float64
            case "<f4": self = .float32
            case "<i8": self = .signed(bytes: 8)
            case "<i4": self = .signed(bytes: 4)
            case "<i2": self = .signed(bytes: 2)
            case "|i1", "<i1": self = .signed(bytes: 1)
            case "<u8": self = .unsigned(bytes: 8)
            case "<u4": self = .unsigned(bytes: 4)
            case "<u2": self = .unsigned(bytes: 2)
            case "|u1", "<u1", "|b1": self = .unsigned(bytes: 1)
            default: return nil
            }
        }
    }

    static func parseHeader(_ text: String, fail: (String) -> NPYError) throws(NPYError) -> Header {
        let value: PythonLiteral
        do { value = try PythonLiteral.parse(text) } catch {
            throw fail("malformed header (\(error.description)): \(text.prefix(80).debugDescription)")
        }
        guard case .dictionary(let entries) = value else {
            throw fail("the header is not a dictionary: \(text.prefix(80).debugDescription)")
        }
        func entry(_ key: String) -> PythonLiteral? { entries.first { $0.key == key }?.value }
        for key in entries.map(\.key) where !["descr", "fortran_order", "shape"].contains(key) {
            throw fail("unexpected header key '\(key)'")
        }

        guard case .string(let descr)? = entry("descr") else {
            throw fail("the header has no 'descr' string (a structured or missing dtype); save a plain float array")
        }
        guard let element = Element(descr: descr) else {
            if descr.hasPrefix(">") { throw fail("dtype '\(descr)' is big-endian; convert with array.astype('<f8') before saving") }
            throw fail("dtype '\(descr)' is not supported; save the array as float64 ('<f8'), float32 or integers, e.g. array.astype(numpy.float64)")
        }

        guard case .bool(let fortranOrder)? = entry("fortran_order") else {
            throw fail("the header has no 'fortran_order' True/False entry")
        }
        guard !fortranOrder else {
            throw fail("the array is in Fortran (column-major) order; save numpy.ascontiguousarray(array) instead")
        }

        guard case .tuple(let extents)? = entry("shape") else {
            throw fail("the header has no 'shape' tuple")
        }
        var shape: [Int] = []
        for extent in extents {
            guard case .integer(let n) = extent, n >= 0 else {
                throw fail("the shape \(extents) has an entry that is not a non-negative integer")
            }
            shape.append(n)
        }
        return Header(element: element, shape: shape)
    }
}

/// A problem reading a `.npy` file: which file, and what is wrong with it.
public struct NPYError: Error, CustomStringConvertible, Equatable {
    /// The file's path (or a label for in-memory data).
    public var file: String
    /// What is wrong and, where it helps, how to fix it.
    public var problem: String

    /// An error about `file`.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// "file: problem", one line.
    public var description: String { "\(file): \(problem)" }
}
