// libFuzzer target: any model directory handed to the loader must give a network or a
// ModelError — never a crash or a hang — and any network it accepts must run: a forward and
// backward pass on a zero input gives finite values or a ModelError, without trapping.
//
// An input is a small container (Fuzz/make_seeds.py writes seeds from the shipped models):
//     u16 length, manifest bytes, then repeatedly: u8 length, file name, u32 length, file bytes
// (little-endian). Lengths past the end are clamped, so every byte string means something.
import FuzzSupport
import Models
import Tensors

func readContainer(_ bytes: [UInt8]) -> (manifest: [UInt8], files: [String: [UInt8]]) {
    var position = 0
    func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + max(0, count))
        defer { position = end }
        return Array(bytes[position..<end])
    }
    func integer(_ width: Int) -> Int {
        take(width).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    }
    let manifest = take(integer(2))
    var files: [String: [UInt8]] = [:]
    while position < bytes.count {
        let name = String(decoding: take(integer(1)), as: UTF8.self)
        files[name] = take(integer(4))
    }
    return (manifest, files)
}

func fuzzModelDirectory(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    let (manifest, files) = readContainer(bytes)
    guard let network = try? ModelDirectory.load(manifest: manifest, parameterFiles: files, label: "fuzz") else { return 0 }
    // Accepted: it must run. Skip networks too big to run quickly (the loader allows them).
    guard network.multiplyAddsPerPoint <= 1 << 22, Tensor.elementCount(of: network.inputShape) <= 1 << 16 else { return 0 }
    let point = Tensor(zeros: [1] + network.inputShape)
    if let output = try? ClassifierOutput(network: network, target: 0, kind: .logProbability),
       let result = try? output.valuesAndGradients(at: point) {
        precondition(result.gradients.shape == point.shape, "gradient shape differs from the input's")
        precondition(result.values.allSatisfy { $0.isFinite }, "a non-finite value was returned instead of an error")
    }
    return 0
}

/// The executable's entry point (see FuzzSupport).
@_cdecl("fuzz_model_directory_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzModelDirectory(data, size) }
}
