/// A node's attributes by type, as the loader and the constant folder read them: absent gives
/// the default (or nil), present with another type is an error naming the node.
extension ONNXNode {
    private func wrongType(_ name: String, _ expected: String) -> ModelError {
        ModelError("\(opType) node \(label): attribute \(name) is not \(expected)")
    }

    /// INT attribute `name`, or `value` when absent.
    func integer(_ name: String, default value: Int64) throws(ModelError) -> Int64 {
        guard let attribute = attribute(name) else { return value }
        guard case .int(let i) = attribute.value else { throw wrongType(name, "an integer") }
        return i
    }

    /// FLOAT attribute `name` (float32, converted exactly), or `value` when absent.
    func float(_ name: String, default value: Double) throws(ModelError) -> Double {
        guard let attribute = attribute(name) else { return value }
        guard case .float(let x) = attribute.value else { throw wrongType(name, "a float") }
        return x
    }

    /// INTS attribute `name`, or nil when absent.
    func integers(_ name: String) throws(ModelError) -> [Int64]? {
        guard let attribute = attribute(name) else { return nil }
        guard case .ints(let xs) = attribute.value else { throw wrongType(name, "a list of integers") }
        return xs
    }

    /// STRING attribute `name`, or `value` when absent.
    func text(_ name: String, default value: String) throws(ModelError) -> String {
        guard let attribute = attribute(name) else { return value }
        guard case .string(let s) = attribute.value else { throw wrongType(name, "a string") }
        return s
    }
}
