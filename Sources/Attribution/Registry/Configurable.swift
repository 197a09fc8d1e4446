import Models

/// A value whose parameters are declared once (``Parameter``): a method, a metric's settings.
///
/// ``defaults`` holds every parameter at its default (the type's initializer states them);
/// ``parameters`` binds each to its property; ``validate()`` — the one check, which the
/// builder runs and every method's `plan` runs again for callers who set properties
/// directly — checks each value against its parameter's kind, then ``validateCombination()``
/// checks what no single parameter can (IG's rule against its integrator).
public protocol Configurable: Sendable {
    /// Every parameter at its default.
    static var defaults: Self { get }
    /// The parameters, in the order help lists them.
    static var parameters: [Parameter<Self>] { get }
    /// Checks that involve several parameters; the default checks nothing.
    /// - Throws: ``AttributionError`` naming the parameters in backticks.
    func validateCombination() throws(AttributionError)
}

extension Configurable {
    /// Nothing beyond the single parameters' ranges.
    public func validateCombination() throws(AttributionError) {}

    /// Every parameter's value against its kind, then the combination.
    /// - Throws: ``AttributionError`` naming the first parameter out of range.
    public func validate() throws(AttributionError) {
        for parameter in Self.parameters {
            if let error = parameter.error(in: self) { throw error }
        }
        try validateCombination()
    }

    /// The parameter called `name`.
    public static func parameter(named name: String) -> Parameter<Self>? { parameters.first { $0.name == name } }

    /// ``defaults`` with `values` set (by parameter name), then the dependent defaults of the
    /// parameters not given; a given parameter whose condition does not hold is refused.
    /// Not yet validated: the caller may set more (a method's network) before ``validate()``.
    /// - Throws: ``AttributionError`` naming an unknown parameter (`subject` says whose), a
    ///   value of the wrong type, or one that does not apply.
    public static func configured(with values: [String: ParameterValue], subject: String) throws(AttributionError) -> Self {
        var configured = defaults
        for key in values.keys.sorted() where parameter(named: key) == nil {
            throw AttributionError(parameter: key, "`\(key)` does not apply to \(subject)")
        }
        for parameter in parameters {
            if let value = values[parameter.name] {
                try parameter.write(&configured, value)
            } else if let dependent = parameter.dependentDefault {
                try parameter.write(&configured, dependent.value(configured))
            }
        }
        for parameter in parameters where values[parameter.name] != nil {
            if let error = parameter.inapplicability(in: configured) { throw error }
        }
        return configured
    }

    /// Every parameter's value in this configuration (file kinds have none), by name.
    public var parameterValues: [String: ParameterValue] {
        var values: [String: ParameterValue] = [:]
        for parameter in Self.parameters { values[parameter.name] = parameter.read?(self) }
        return values
    }
}

/// An attribution method the registry can build: configurable, and told the network it
/// explains (LPI clusters its references in the network's logit space; AGI needs its class
/// count) and given a chance to do once-per-build work (LPI's clustering).
public protocol ConfigurableMethod: AttributionMethod, Configurable {
    /// Takes what the method reads from the explained network; the default takes nothing.
    mutating func attach(network: Sequential) throws(AttributionError)
    /// Work done once after the parameters are set and checked (LPI clusters its references).
    mutating func prepare() throws(AttributionError)
}

extension ConfigurableMethod {
    /// Nothing to take.
    public mutating func attach(network: Sequential) throws(AttributionError) {}
    /// Nothing to prepare.
    public mutating func prepare() throws(AttributionError) {}
}
