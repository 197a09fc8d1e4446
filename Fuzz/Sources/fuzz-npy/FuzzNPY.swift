// libFuzzer target: any bytes handed to the NPY reader must give a tensor or an NPYError —
// never a crash, a hang, a non-finite value, or a tensor whose size disagrees with its shape.
import ArrayFormats
import FuzzSupport
import Tensors

func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    if let tensor = try? NPY.decode(bytes, name: "fuzz.npy") {
        // Accepted: it must be a well-formed tensor of finite values that writes and reads back.
        precondition(tensor.count == Tensor.elementCount(of: tensor.shape), "size disagrees with shape")
        precondition(tensor.firstNonFiniteIndex == nil, "a non-finite value was accepted")
        let again = try? NPY.decode(NPY.encode(tensor))
        precondition(again?.shape == tensor.shape && again?.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern), "round trip changed the tensor")
    }
    return 0
}

/// The executable's entry point (see FuzzSupport).
@_cdecl("fuzz_npy_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzNPY(data, size) }
}
