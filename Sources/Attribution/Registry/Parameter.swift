import Tensors

/// One parameter of a configurable value (a method, a metric's settings), declared once: its
/// name, the values it takes, one line of help, and the stored property it is bound to. Its
/// default is that property's value in the type's ``Configurable/defaults`` — stated once, in
/// the type's initializer — unless it depends on other parameters (IG's rule follows the
/// integrator).
///
/// The binding is how every layer reads and writes the parameter: the builder writes given
/// values through it, ``Configurable/validate()`` reads them back and checks each against
/// its kind, and a report reads the effective value. Nothing else parses or checks it.
public struct Parameter<Root>: Sendable {
    /// The name ("steps", "max-sigma").
    public let name: String
    /// The values it takes.
    public let kind: ParameterKind
    /// One line of help.
    public let help: String
    /// For a default that depends on the other parameters: what help says, and the value.
    public let dependentDefault: (description: String, value: @Sendable (Root) -> ParameterValue)?
    /// What help says when the default is no value of the kind ("none (required)").
    public let absentDefault: String
    /// The bound property's value; nil for kinds read from a file (a report shows the file).
    public let read: (@Sendable (Root) -> ParameterValue?)?
    /// Writes a value of the kind into the bound property.
    public let write: @Sendable (inout Root, ParameterValue) throws(AttributionError) -> Void
    /// When the parameter means something only under other parameters' values: the clause
    /// an error states ("with `integrator` idgi") and the test. Giving it otherwise is an error.
    public private(set) var condition: (clause: String, holds: @Sendable (Root) -> Bool)? = nil
    /// Whether ``Configurable/validate()`` checks the value against the kind. A value the kind
    /// can only name, not bound (an integrator written outside the library), is not checked.
    public private(set) var checksValue = true

    /// A parameter with explicit accessors (for a property that is not one value of the kind).
    public init(
        _ name: String, _ kind: ParameterKind, help: String, absentDefault: String = "none",
        dependentDefault: (description: String, value: @Sendable (Root) -> ParameterValue)? = nil,
        read: (@Sendable (Root) -> ParameterValue?)?, write: @escaping @Sendable (inout Root, ParameterValue) throws(AttributionError) -> Void
    ) {
        self.name = name
        self.kind = kind
        self.help = help
        self.absentDefault = absentDefault
        self.dependentDefault = dependentDefault
        self.read = read
        self.write = write
    }

    /// This parameter, applicable only where `holds` is true of the configured value; `clause`
    /// completes "`name` applies only …".
    public func only(_ clause: String, when holds: @escaping @Sendable (Root) -> Bool) -> Parameter {
        var copy = self
        copy.condition = (clause, holds)
        return copy
    }

    /// The error for a value given where ``condition`` does not hold, or nil.
    public func inapplicability(in root: Root) -> AttributionError? {
        guard let condition, !condition.holds(root) else { return nil }
        return AttributionError(parameter: name, "`\(name)` applies only \(condition.clause)")
    }

    /// The error for `root`'s value of this parameter outside its kind, naming it; nil when it is one.
    public func error(in root: Root) -> AttributionError? {
        guard checksValue, let value = read?(root) else { return nil }
        return kind.error(for: value, of: name)
    }

    /// What help shows as the default, read from `defaults`.
    public func defaultDescription(_ defaults: Root) -> String {
        if let dependentDefault { return dependentDefault.description }
        return read?(defaults).map(\.text) ?? absentDefault
    }

    /// The error for a value of the wrong type (a caller's mistake: the text parser makes the right one).
    static func mismatch(_ name: String, _ kind: ParameterKind, _ value: ParameterValue) -> AttributionError {
        AttributionError(parameter: name, "`\(name)` must be \(kind.accepted), got \(value.text)")
    }
}

extension Parameter {
    /// A whole number in `range`, bound to `property`.
    public static func integer(
        _ name: String, _ property: WritableKeyPath<Root, Int> & Sendable, in range: ClosedRange<Int>, help: String
    ) -> Parameter {
        Parameter(name, .integer(range), help: help, read: { .integer($0[keyPath: property]) }) { root, value throws(AttributionError) in
            guard case .integer(let n) = value else { throw mismatch(name, .integer(range), value) }
            root[keyPath: property] = n
        }
    }

    /// A finite number in `range` (without its lower bound when `excludingLowerBound`), bound to `property`.
    public static func number(
        _ name: String, _ property: WritableKeyPath<Root, Double> & Sendable, in range: ClosedRange<Double>,
        excludingLowerBound: Bool = false, help: String
    ) -> Parameter {
        let kind = ParameterKind.number(range, excludingLowerBound: excludingLowerBound)
        return Parameter(name, kind, help: help, read: { .number($0[keyPath: property]) }) { root, value throws(AttributionError) in
            switch value {
            case .number(let x): root[keyPath: property] = x
            case .integer(let n): root[keyPath: property] = Double(n)
            default: throw mismatch(name, kind, value)
            }
        }
    }

    /// One of an enumeration's raw values, bound to `property`.
    public static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ property: WritableKeyPath<Root, Value> & Sendable, help: String,
        dependentDefault: (description: String, value: @Sendable (Root) -> Value)? = nil
    ) -> Parameter where Value.RawValue == String {
        let kind = ParameterKind.choice(Value.allCases.map(\.rawValue))
        return Parameter(
            name, kind, help: help, dependentDefault: dependentDefault.map { dependent in (dependent.description, { .word(dependent.value($0).rawValue) }) },
            read: { .word($0[keyPath: property].rawValue) }
        ) { root, value throws(AttributionError) in
            guard case .word(let word) = value, let choice = Value(rawValue: word) else { throw mismatch(name, kind, value) }
            root[keyPath: property] = choice
        }
    }

    /// A seed, bound to `property`.
    public static func seed(_ name: String, _ property: WritableKeyPath<Root, UInt64> & Sendable, help: String) -> Parameter {
        Parameter(name, .seed, help: help, read: { .seed($0[keyPath: property]) }) { root, value throws(AttributionError) in
            switch value {
            case .seed(let s): root[keyPath: property] = s
            case .integer(let n) where n >= 0: root[keyPath: property] = UInt64(n)
            default: throw mismatch(name, .seed, value)
            }
        }
    }

    /// On or off, bound to `property`.
    public static func flag(_ name: String, _ property: WritableKeyPath<Root, Bool> & Sendable, help: String) -> Parameter {
        Parameter(name, .flag, help: help, read: { .flag($0[keyPath: property]) }) { root, value throws(AttributionError) in
            guard case .flag(let on) = value else { throw mismatch(name, .flag, value) }
            root[keyPath: property] = on
        }
    }

    /// [LO, HI], bound to `property`.
    public static func range(_ name: String, _ property: WritableKeyPath<Root, ClosedRange<Double>> & Sendable, help: String) -> Parameter {
        Parameter(name, .range, help: help, read: { .range($0[keyPath: property]) }) { root, value throws(AttributionError) in
            guard case .range(let range) = value else { throw mismatch(name, .range, value) }
            root[keyPath: property] = range
        }
    }

    /// `integrator`: the Riemann sum or IDGI, by the integrators' own names (``Integrators``).
    public static func integrator(_ property: WritableKeyPath<Root, any Integrator> & Sendable) -> Parameter {
        let kind = ParameterKind.choice(Integrators.all.map(\.name))
        var parameter = Parameter(
            "integrator", kind, help: "riemann: the base method's own sum; idgi: IDGI's important direction on the same segments",
            read: { .word($0[keyPath: property].name) }
        ) { root, value throws(AttributionError) in
            guard case .word(let word) = value, let integrator = Integrators.named(word) else { throw mismatch("integrator", kind, value) }
            root[keyPath: property] = integrator
        }
        // Any integrator may be set directly (RescaledRiemann in the tests); by name, only these.
        parameter.checksValue = false
        return parameter
    }

    /// `baseline`: the word `zeros` (nil, the method's own default) or an array of the input's shape.
    public static func baseline(_ property: WritableKeyPath<Root, Tensor?> & Sendable) -> Parameter {
        let kind = ParameterKind.baseline(words: ["zeros"])
        return Parameter(
            "baseline", kind, help: "the path's start x′: all zeros, or an .npy file of the input's shape",
            read: { $0[keyPath: property] == nil ? .word("zeros") : nil }
        ) { root, value throws(AttributionError) in
            switch value {
            case .word("zeros"): root[keyPath: property] = nil
            case .array(let tensor, _): root[keyPath: property] = tensor
            default: throw mismatch("baseline", kind, value)
            }
        }
    }

    /// `references`: a reference set [M] + the input's shape, as M points.
    public static func references(_ property: WritableKeyPath<Root, [Tensor]> & Sendable, help: String) -> Parameter {
        let kind = ParameterKind.array(.stack)
        return Parameter("references", kind, help: help, absentDefault: "none (required)", read: nil) { root, value throws(AttributionError) in
            guard case .array(let stack, _) = value, stack.rank >= 2, stack.shape[0] > 0 else { throw mismatch("references", kind, value) }
            root[keyPath: property] = (0..<stack.batchCount).map { stack.point($0) }
        }
    }
}

/// The integrators a parameter chooses from, by their names: the one place a name becomes an integrator.
public enum Integrators {
    /// The Riemann sum and IDGI's important direction.
    public static let all: [any Integrator] = [RiemannSum(), ImportantDirection()]

    /// The integrator called `name`.
    public static func named(_ name: String) -> (any Integrator)? { all.first { $0.name == name } }
}
