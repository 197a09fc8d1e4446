import Tensors

/// A set of labelled points: inputs stacked along the first axis, one class label each.
public struct LabeledData: Sendable, Equatable {
    /// The points, shape [N] + pointShape.
    public var inputs: Tensor
    /// The class of each point, in `0..<classCount`.
    public var labels: [Int]
    /// The number of classes.
    public var classCount: Int

    /// A data set. - Precondition: one label per point, each in `0..<classCount`.
    public init(inputs: Tensor, labels: [Int], classCount: Int) {
        precondition(inputs.rank >= 1 && inputs.shape[0] == labels.count, "one label per point")
        precondition(labels.allSatisfy { (0..<classCount).contains($0) }, "labels must lie in 0..<\(classCount)")
        self.inputs = inputs
        self.labels = labels
        self.classCount = classCount
    }

    /// The number of points.
    public var count: Int { labels.count }

    /// The shape of one point.
    public var pointShape: [Int] { inputs.pointShape }

    /// The points at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabeledData {
        let size = Tensor.elementCount(of: pointShape)
        var scalars: [Double] = []
        scalars.reserveCapacity(indices.count * size)
        for index in indices { scalars.append(contentsOf: inputs.scalars[index * size ..< (index + 1) * size]) }
        return LabeledData(
            inputs: Tensor(shape: [indices.count] + pointShape, scalars: scalars),
            labels: indices.map { labels[$0] }, classCount: classCount)
    }

    /// How many points of each class.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        return counts
    }
}

/// A training set and a test set drawn from one source.
public struct DataSplit: Sendable, Equatable {
    /// The points a model is trained on.
    public var train: LabeledData
    /// The held-out points its accuracy is measured on.
    public var test: LabeledData

    /// A split.
    public init(train: LabeledData, test: LabeledData) {
        self.train = train
        self.test = test
    }
}

/// A data file that is missing or does not hold what it should.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public var description: String
    /// An error with the given message.
    public init(_ description: String) { self.description = description }
}
