// libFuzzer target: any bytes handed to the ONNX reader must give a model or a ProtobufError —
// never a crash, a hang, or a tensor whose values disagree with its dims — and any model it
// reads must give a network or a ModelError from the loader (constant folding included).
import FuzzSupport
import Models

func fuzzONNX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    if let model = try? ONNXModel(bytes: bytes) {
        // Accepted: every tensor it read holds as many values as its dims say.
        let tensors = model.graph.initializers + model.graph.nodes.flatMap { node in
            node.attributes.compactMap { attribute -> ONNXTensor? in
                if case .tensor(let t) = attribute.value { return t }
                return nil
            }
        }
        for tensor in tensors where !tensor.isExternal && [1, 6, 7, 11].contains(tensor.dataType) {
            precondition(tensor.values.count == tensor.elementCount, "a tensor's values disagree with its dims")
        }
        _ = try? ONNXImport.network(model)
    }
    return 0
}

/// The executable's entry point (see FuzzSupport).
@_cdecl("fuzz_onnx_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzONNX(data, size) }
}
