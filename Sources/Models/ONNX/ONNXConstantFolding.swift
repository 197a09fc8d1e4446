import Tensors

/// Evaluates, when a model is loaded, the nodes that compute only from constants: the small
/// shape arithmetic exporters emit around the layers (torch writes `F.pad`'s pads as
/// ConstantOfShape → Concat → Reshape → Slice → Transpose → Reshape → Cast). Such a node's
/// output becomes one more constant, read by the layer that needs it.
///
/// | op | computes |
/// |---|---|
/// | Identity | its input (exporters name a shared weight twice this way) |
/// | ConstantOfShape | a tensor of the given shape filled with `value` (0.0 by default) |
/// | Concat | the inputs joined along `axis` |
/// | Reshape | the data in a new shape (0 copies a size, −1 takes the rest) |
/// | Slice | starts, ends, axes, steps, as numpy slicing (ends clamped) |
/// | Transpose | the axes permuted by `perm` (reversed by default) |
/// | Squeeze, Unsqueeze | axes of size 1 removed or inserted |
/// | Cast | the values with a new element type (integers truncated toward zero) |
/// | Add, Sub, Mul, Div | elementwise with broadcasting (integer division truncates) |
///
/// Values are held as doubles (integers exactly below 2⁵³) and, for integer types, as Int64.
enum ONNXConstantFolding {
    /// The ops this folder evaluates when all their inputs are constants.
    static let foldable: Set<String> = ["Identity", "ConstantOfShape", "Concat", "Reshape", "Slice", "Transpose", "Squeeze", "Unsqueeze", "Cast", "Add", "Sub", "Mul", "Div"]
    /// The ops among them that are not layers: refused when an input is computed.
    static let constantOnly: Set<String> = ["ConstantOfShape", "Slice", "Transpose", "Squeeze", "Unsqueeze", "Cast"]

    /// The most values a folded constant may hold (2²⁴): shape arithmetic is small, and a
    /// declared size past this is refused rather than allocated.
    static let maximumCount = 1 << 24

    /// `shape`'s element count, when every size is ≥ 0 and the count is at most ``maximumCount``.
    static func count(_ shape: [Int], _ label: String) throws(ModelError) -> Int {
        guard shape.allSatisfy({ $0 >= 0 }), let count = Tensor.checkedElementCount(of: shape), count <= maximumCount else {
            throw ModelError("\(label): a constant of shape \(shape) is larger than this loader folds (\(maximumCount) values)")
        }
        return count
    }

    /// The shape ONNX's Reshape gives a tensor of `shape` for `target`: 0 copies the size at
    /// that axis, −1 takes what is left (at most one), every other entry is a size. The loader
    /// uses it too, for the point shape of a Reshape layer (both without the batch entry).
    static func reshapedShape(_ shape: [Int], to target: [Int64], label: String) throws(ModelError) -> [Int] {
        let count = Tensor.elementCount(of: shape)
        var result: [Int] = []
        var free: Int?
        for (axis, size) in target.enumerated() {
            switch size {
            case 0:
                guard axis < shape.count else { throw ModelError("\(label): shape entry 0 copies axis \(axis), which the input lacks") }
                result.append(shape[axis])
            case -1:
                guard free == nil else { throw ModelError("\(label): the shape has two −1 entries") }
                free = axis
                result.append(1)
            case 1...Int64(Sequential.maximumValuesPerPoint): result.append(Int(size))
            default: throw ModelError("\(label): shape entry \(size) is not a size, 0 or −1")
            }
        }
        guard let known = Tensor.checkedElementCount(of: result) else { throw ModelError("\(label): shape \(target) is too large") }
        if let free {
            guard known > 0, count % known == 0 else { throw ModelError("\(label): cannot reshape \(shape) to \(target)") }
            result[free] = count / known
        }
        guard Tensor.checkedElementCount(of: result) == count else { throw ModelError("\(label): cannot reshape \(shape) (\(count) values) to \(target)") }
        return result
    }

    /// Integer element types (INT32, INT64).
    static func isInteger(_ type: Int32) -> Bool { type == 6 || type == 7 }

    /// A tensor of `dims` holding `values` with element type `type`.
    static func tensor(_ name: String, dims: [Int], type: Int32, values: [Double]) -> ONNXTensor {
        var result = ONNXTensor()
        result.name = name
        result.dims = dims.map { Int64($0) }
        result.dataType = type
        result.values = values
        if isInteger(type) { result.integers = values.map { Int64($0) } }
        return result
    }

    /// The output of `node` given its inputs (all constants; "" for an omitted optional input,
    /// passed as nil).
    /// - Throws: ``ModelError`` for inputs or attributes the op cannot take.
    static func evaluate(_ node: ONNXNode, _ inputs: [ONNXTensor?], label: String) throws(ModelError) -> ONNXTensor {
        let name = node.outputs.first ?? ""
        func input(_ position: Int) throws(ModelError) -> ONNXTensor {
            guard position < inputs.count, let value = inputs[position] else { throw ModelError("\(label): input \(position) is missing") }
            // Tensors of other types are read by their type alone, without values.
            guard [1, 6, 7, 11].contains(value.dataType) else {
                throw ModelError("\(label): input '\(value.name)' is \(ONNXTensor.typeName(value.dataType)); this loader folds FLOAT, DOUBLE, INT32 and INT64 constants")
            }
            return value
        }
        func dims(_ t: ONNXTensor) -> [Int] { t.dims.map { Int($0) } }
        func normalized(_ axis: Int64, rank: Int) throws(ModelError) -> Int {
            let a = axis < 0 ? Int(axis) + rank : Int(axis)
            guard (0..<max(rank, 1)).contains(a) else { throw ModelError("\(label): axis \(axis) is outside rank \(rank)") }
            return a
        }
        switch node.opType {
        case "Identity":
            var copy = try input(0)
            copy.name = name
            return copy
        case "ConstantOfShape":
            let shape = try input(0).integers.map { Int($0) }
            let count = try count(shape, label)
            var fill = 0.0
            var type: Int32 = 1
            if case .tensor(let value)? = node.attribute("value")?.value, let first = value.values.first {
                fill = first
                type = value.dataType
            }
            return tensor(name, dims: shape, type: type, values: [Double](repeating: fill, count: count))
        case "Concat":
            let parts = try (0..<inputs.count).map { (i: Int) throws(ModelError) -> ONNXTensor in try input(i) }
            let rank = parts[0].dims.count
            guard rank > 0 else { throw ModelError("\(label): joins scalars, which have no axis") }
            let axis = try normalized(try node.integer("axis", default: 0), rank: rank)
            var shape = dims(parts[0])
            for part in parts.dropFirst() {
                var other = dims(part)
                guard other.count == rank else { throw ModelError("\(label): joins tensors of different ranks") }
                shape[axis] += other[axis]
                other[axis] = shape[axis]
                guard other == shape else { throw ModelError("\(label): joins tensors whose shapes differ off axis \(axis)") }
            }
            let outer = Tensor.elementCount(of: Array(shape[..<axis]))
            var values: [Double] = []
            for block in 0..<outer {
                for part in parts {
                    let width = part.values.count / max(outer, 1)
                    values += part.values[block * width ..< (block + 1) * width]
                }
            }
            return tensor(name, dims: shape, type: parts[0].dataType, values: values)
        case "Reshape":
            let data = try input(0)
            let shape = try reshapedShape(dims(data), to: try input(1).integers, label: label)
            return tensor(name, dims: shape, type: data.dataType, values: data.values)
        case "Transpose":
            let data = try input(0)
            let shape = dims(data)
            let perm = (try node.integers("perm") ?? shape.indices.reversed().map { Int64($0) }).map { Int($0) }
            guard perm.sorted() == Array(shape.indices) else { throw ModelError("\(label): perm \(perm) is not a permutation of the axes") }
            let outShape = perm.map { shape[$0] }
            let strides = Broadcasting.strides(shape)
            var values: [Double] = []
            values.reserveCapacity(data.values.count)
            Broadcasting.forEachPosition(outShape) { position in
                var source = 0
                for (k, axis) in perm.enumerated() { source += position[k] * strides[axis] }
                values.append(data.values[source])
            }
            return tensor(name, dims: outShape, type: data.dataType, values: values)
        case "Slice":
            let data = try input(0)
            let shape = dims(data)
            let starts = try input(1).integers, ends = try input(2).integers
            let axes = (inputs.count > 3 ? inputs[3]?.integers : nil) ?? starts.indices.map { Int64($0) }
            let steps = (inputs.count > 4 ? inputs[4]?.integers : nil) ?? starts.map { _ in 1 }
            guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
                throw ModelError("\(label): starts, ends, axes and steps differ in length")
            }
            // Per axis, the indices kept (numpy's rules: negative from the end, clamped).
            var kept = shape.map { Array(0..<$0) }
            for k in starts.indices {
                let axis = try normalized(axes[k], rank: shape.count)
                let size = Int64(shape[axis])
                guard steps[k] != 0 else { throw ModelError("\(label): a step of 0") }
                // A step longer than the axis takes one index, as any longer one does; so
                // clamped, the index arithmetic below cannot overflow.
                let step = min(max(steps[k], -(size + 1)), size + 1)
                func clamp(_ v: Int64, _ low: Int64, _ high: Int64) -> Int64 { min(max(v < 0 ? v &+ size : v, low), high) }
                var indices: [Int] = []
                if step > 0 {
                    var i = clamp(starts[k], 0, size)
                    let end = clamp(ends[k], 0, size)
                    while i < end { indices.append(Int(i)); i += step }
                } else {
                    var i = clamp(starts[k], -1, size - 1)
                    let end = clamp(ends[k], -1, size - 1)
                    while i > end { indices.append(Int(i)); i += step }
                }
                kept[axis] = indices
            }
            let outShape = kept.map(\.count)
            _ = try count(outShape, label)
            let strides = Broadcasting.strides(shape)
            var values: [Double] = []
            Broadcasting.forEachPosition(outShape) { position in
                var source = 0
                for axis in shape.indices { source += kept[axis][position[axis]] * strides[axis] }
                values.append(data.values[source])
            }
            return tensor(name, dims: outShape, type: data.dataType, values: values)
        case "Squeeze", "Unsqueeze":
            let data = try input(0)
            var shape = dims(data)
            let attributeAxes = try node.integers("axes")
            let axes = (inputs.count > 1 ? inputs[1]?.integers : nil) ?? attributeAxes
            if node.opType == "Unsqueeze" {
                guard let axes else { throw ModelError("\(label): needs axes") }
                let rank = shape.count + axes.count
                let positions = try axes.map { (a: Int64) throws(ModelError) -> Int in try normalized(a, rank: rank) }.sorted()
                guard Set(positions).count == positions.count else { throw ModelError("\(label): repeats an axis") }
                for axis in positions { shape.insert(1, at: axis) }
            } else if let axes {
                let removed = try Set(axes.map { (a: Int64) throws(ModelError) -> Int in try normalized(a, rank: shape.count) })
                guard removed.allSatisfy({ shape[$0] == 1 }) else { throw ModelError("\(label): squeezes an axis whose size is not 1") }
                shape = shape.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
            } else {
                shape = shape.filter { $0 != 1 }
            }
            return tensor(name, dims: shape, type: data.dataType, values: data.values)
        case "Cast":
            let data = try input(0)
            guard node.attribute("to") != nil else { throw ModelError("\(label): needs 'to'") }
            let to = try node.integer("to", default: 0)
            let type = Int32(truncatingIfNeeded: to)
            guard [1, 6, 7, 11].contains(type) else { throw ModelError("\(label): casts to \(ONNXTensor.typeName(type)), which this loader does not compute") }
            let values = isInteger(type) ? data.values.map { $0.rounded(.towardZero) } : (type == 1 ? data.values.map { Double(Float($0)) } : data.values)
            return tensor(name, dims: dims(data), type: type, values: values)
        default:  // Add, Sub, Mul, Div
            let (a, b) = (try input(0), try input(1))
            guard let shape = Broadcasting.shape([dims(a), dims(b)]) else { throw ModelError("\(label): shapes \(a.dims) and \(b.dims) do not broadcast") }
            _ = try count(shape, label)
            let (ia, ib) = (Broadcasting.sourceIndices(of: dims(a), in: shape), Broadcasting.sourceIndices(of: dims(b), in: shape))
            let integer = isInteger(a.dataType)
            let values = (0..<ia.count).map { k -> Double in
                let (x, y) = (a.values[ia[k]], b.values[ib[k]])
                switch node.opType {
                case "Add": return x + y
                case "Sub": return x - y
                case "Mul": return x * y
                default: return integer ? (y == 0 ? 0 : (x / y).rounded(.towardZero)) : x / y
                }
            }
            return tensor(name, dims: shape, type: a.dataType, values: values)
        }
    }
}

extension ONNXTensor {
    /// An empty tensor, filled in by the constant folder.
    init() {}
}
