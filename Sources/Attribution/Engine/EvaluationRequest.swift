/// Points at which a walk needs the model — what every walk asks the engine: F and ∇F at
/// `gradientPoints`, F alone at `valuePoints`, another class's output and gradient at
/// `classGradientPoints`, the predicted class at `predictionPoints`, the gradient of a weighted
/// sum of logits at `cotangentPoints` (each point flattened).
/// A path's walk asks for the first two; a walk the model's answers steer (AGI's ascent toward
/// a false class) for the others too. The engine batches every walk's points of one kind
/// into shared model calls.
public struct EvaluationRequest: Sendable {
    /// Points that need F and ∇F, in the order the walk will read the answers.
    public var gradientPoints: [[Double]]
    /// Points that need only F (a forward pass).
    public var valuePoints: [[Double]]
    /// Points that need the output of another class of the same classifier, with its
    /// gradient (AGI's ascent on a false class): the point and the class.
    public var classGradientPoints: [(point: [Double], targetClass: Int)]
    /// Points whose predicted class (argmax of the logits) is needed: a forward pass.
    public var predictionPoints: [[Double]]
    /// Points that need Jᵀv, the gradient of v · z for a cotangent v on the classifier's
    /// logits z (exact integration on a piece where the logits are affine): the point and v.
    public var cotangentPoints: [(point: [Double], cotangent: [Double])]

    /// A request.
    public init(
        gradientPoints: [[Double]] = [], valuePoints: [[Double]] = [], classGradientPoints: [(point: [Double], targetClass: Int)] = [],
        predictionPoints: [[Double]] = [], cotangentPoints: [(point: [Double], cotangent: [Double])] = []
    ) {
        self.gradientPoints = gradientPoints
        self.valuePoints = valuePoints
        self.classGradientPoints = classGradientPoints
        self.predictionPoints = predictionPoints
        self.cotangentPoints = cotangentPoints
    }

    /// The number of backward passes the request costs.
    public var gradientCount: Int { gradientPoints.count + classGradientPoints.count + cotangentPoints.count }
}

/// The model's answers to an ``EvaluationRequest``, in the request's order.
public struct Evaluations: Sendable {
    /// F at each gradient point.
    public var gradientValues: [Double]
    /// ∇F at each gradient point (flattened).
    public var gradients: [[Double]]
    /// F at each value point.
    public var values: [Double]
    /// The other class's output at each class-gradient point.
    public var classValues: [Double]
    /// Its gradient there (flattened).
    public var classGradients: [[Double]]
    /// The predicted class at each prediction point.
    public var predictions: [Int]
    /// Jᵀv at each cotangent point (flattened).
    public var cotangentGradients: [[Double]]

    /// Answers.
    public init(
        gradientValues: [Double], gradients: [[Double]], values: [Double], classValues: [Double] = [], classGradients: [[Double]] = [],
        predictions: [Int] = [], cotangentGradients: [[Double]] = []
    ) {
        self.gradientValues = gradientValues
        self.gradients = gradients
        self.values = values
        self.classValues = classValues
        self.classGradients = classGradients
        self.predictions = predictions
        self.cotangentGradients = cotangentGradients
    }
}
