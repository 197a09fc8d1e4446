/// A dense, row-major (C-order) array of `Double` with a shape.
///
/// `Tensor` is deliberately plain: a shape and a flat `[Double]` (copy-on-write, so passing
/// one around is cheap). Batched data puts the batch first: a batch of `B` images of shape
/// `[C, H, W]` is a tensor of shape `[B, C, H, W]`, and point `b` occupies the contiguous
/// scalars `b * (C*H*W) ..< (b+1) * (C*H*W)`.
///
/// Shapes built by this library's own code are checked with preconditions (a mismatch is a
/// bug here); shapes that come from a user go through ``Tensor/init(validatingShape:scalars:)``,
/// which throws ``TensorError`` with a message that says what to fix.
public struct Tensor: Sendable, Equatable {
    /// The extent of each axis; `[]` is a scalar (one element).
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.product`.
    public var scalars: [Double]

    /// A tensor with the given shape and elements (row-major).
    /// - Precondition: `scalars.count` equals the product of `shape`, and every extent is ≥ 0.
    public init(shape: [Int], scalars: [Double]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(
            Tensor.elementCount(of: shape) == scalars.count,
            "shape \(shape) needs \(Tensor.elementCount(of: shape)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor whose shape and elements come from a user: throws instead of trapping.
    public init(validatingShape shape: [Int], scalars: [Double]) throws(TensorError) {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError("shape \(shape) has a negative extent; every extent must be ≥ 0")
        }
        guard let count = Tensor.checkedElementCount(of: shape) else {
            throw TensorError("shape \(shape) has more elements than fit in memory")
        }
        guard count == scalars.count else {
            throw TensorError("shape \(shape) needs \(count) values, got \(scalars.count)")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape with every element equal to `value`.
    public init(shape: [Int], repeating value: Double) {
        self.init(shape: shape, scalars: [Double](repeating: value, count: Tensor.elementCount(of: shape)))
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) { self.init(shape: shape, repeating: 0) }

    /// A rank-0 tensor holding one value.
    public init(scalar: Double) { self.init(shape: [], scalars: [scalar]) }

    /// The number of elements, the product of `shape`.
    public var count: Int { scalars.count }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// The same elements viewed with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Reads or writes one element by its multi-index.
    public subscript(_ index: Int...) -> Double {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    /// The row-major offset of a multi-index.
    public func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) has the wrong rank for shape \(shape)")
        var offset = 0
        for (axis, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[axis], "index \(index) out of range for shape \(shape)")
            offset = offset * shape[axis] + i
        }
        return offset
    }

    /// The shape without its first (batch) axis.
    public var pointShape: [Int] { Array(shape.dropFirst()) }

    /// The extent of the first (batch) axis.
    public var batchCount: Int { shape.first ?? 1 }

    /// Point `b` of a batch: the sub-tensor along the first axis.
    public func point(_ b: Int) -> Tensor {
        precondition(rank >= 1 && b >= 0 && b < shape[0], "point \(b) out of range for shape \(shape)")
        let size = Tensor.elementCount(of: pointShape)
        return Tensor(shape: pointShape, scalars: Array(scalars[b * size ..< (b + 1) * size]))
    }

    /// Stacks points of one shape along a new first axis.
    public static func stacking(_ points: [Tensor]) -> Tensor {
        precondition(!points.isEmpty, "cannot stack an empty list of points")
        let pointShape = points[0].shape
        var scalars: [Double] = []
        scalars.reserveCapacity(points.count * points[0].count)
        for point in points {
            precondition(point.shape == pointShape, "cannot stack shapes \(pointShape) and \(point.shape)")
            scalars.append(contentsOf: point.scalars)
        }
        return Tensor(shape: [points.count] + pointShape, scalars: scalars)
    }

    /// The product of a shape's extents (1 for a scalar).
    public static func elementCount(of shape: [Int]) -> Int {
        shape.reduce(1, *)
    }

    /// The product of a shape's extents, or nil when it overflows `Int`.
    public static func checkedElementCount(of shape: [Int]) -> Int? {
        var product = 1
        for extent in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// The index of the first element that is NaN or infinite, if any.
    public var firstNonFiniteIndex: Int? { scalars.firstIndex { !$0.isFinite } }
}

/// A shape or value problem in data a user supplied.
public struct TensorError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public var description: String
    /// Makes an error with the given message.
    public init(_ description: String) { self.description = description }
}

// MARK: - Elementwise arithmetic

extension Tensor {
    /// Elementwise sum. - Precondition: equal shapes.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        lhs.combined(with: rhs, +)
    }

    /// Elementwise difference. - Precondition: equal shapes.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        lhs.combined(with: rhs, -)
    }

    /// Elementwise (Hadamard) product, ⊙. - Precondition: equal shapes.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        lhs.combined(with: rhs, *)
    }

    /// Every element times a scalar.
    public static func * (scale: Double, tensor: Tensor) -> Tensor {
        tensor.map { scale * $0 }
    }

    /// Adds `rhs` into `lhs` elementwise.
    public static func += (lhs: inout Tensor, rhs: Tensor) {
        precondition(lhs.shape == rhs.shape, "shapes \(lhs.shape) and \(rhs.shape) differ")
        lhs.scalars.withUnsafeMutableBufferPointer { l in
            rhs.scalars.withUnsafeBufferPointer { r in
                for i in l.indices { l[i] += r[i] }
            }
        }
    }

    /// The tensor with `transform` applied to every element.
    public func map(_ transform: (Double) -> Double) -> Tensor {
        Tensor(shape: shape, scalars: scalars.map(transform))
    }

    /// Elementwise combination of two tensors of equal shape.
    public func combined(with other: Tensor, _ combine: (Double, Double) -> Double) -> Tensor {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        var result = [Double](repeating: 0, count: count)
        for i in 0..<count { result[i] = combine(scalars[i], other.scalars[i]) }
        return Tensor(shape: shape, scalars: result)
    }

    /// The sum of all elements, in index order (see ``Reductions`` for the fast version).
    public var sum: Double { Reductions.sumReference(scalars) }
}
