import Models
import Tensors

/// A method's options after the registry has checked them: every given value applies to the
/// method (or to its base) and parses as its option's kind. Builders read values through the
/// typed accessors; an absent option reads as its default.
public struct MethodArguments: Sendable {
    /// The registry the method was found in (an aggregation builds its base from it).
    public let registry: MethodRegistry
    /// The method being built.
    public let registration: MethodRegistration
    /// The option values given, by name.
    public let given: [String: String]
    /// Tensors for options whose value names a file (a baseline, a reference set), by option name.
    public let tensors: [String: Tensor]
    /// The network whose output is explained, when the caller has one (LPI clusters its
    /// references in the network's logit space; AGI needs its class count).
    public let network: Sequential?
    /// What the caller loaded for ``MethodOption/Kind/resource(_:)`` options (with the
    /// registration's ``MethodRegistration/loadResource``), by option name.
    public let resources: [String: any Sendable]

    /// Arguments; use ``MethodRegistry/arguments(for:values:tensors:network:)``, which checks them.
    init(
        registry: MethodRegistry, registration: MethodRegistration, given: [String: String], tensors: [String: Tensor],
        network: Sequential? = nil, resources: [String: any Sendable] = [:]
    ) {
        self.registry = registry
        self.resources = resources
        self.registration = registration
        self.given = given
        self.tensors = tensors
        self.network = network
    }

    /// The reference set of option `name` ([M] + inputShape), as M tensors.
    /// - Throws: ``MethodArgumentError`` when it was not given.
    public func references(_ name: String = "references") throws(MethodArgumentError) -> [Tensor] {
        guard let stack = tensors[name] else {
            throw MethodArgumentError("--\(name) R.npy is required: a reference set of shape [M] + the input's shape")
        }
        guard stack.rank >= 2, stack.shape[0] > 0 else {
            throw MethodArgumentError("--\(name) must hold at least one reference, shape [M] + the input's shape; got \(stack.shape)")
        }
        return (0..<stack.batchCount).map { stack.point($0) }
    }

    /// The network, for methods that need it.
    /// - Throws: ``MethodArgumentError`` when the caller gave none.
    public func requireNetwork() throws(MethodArgumentError) -> Sequential {
        guard let network else { throw MethodArgumentError("--method \(registration.name) needs the model; build it with the network") }
        return network
    }

    /// A `LO,HI` option's range.
    public func range(_ name: String) -> ClosedRange<Double> {
        let parts = text(name).split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! }
        return parts[0]...parts[1]
    }

    /// Whether the option was given.
    public func isGiven(_ name: String) -> Bool { given[name] != nil }

    /// The option's value as text: the given one, or the default.
    public func text(_ name: String) -> String {
        if let value = given[name] { return value }
        guard let option = registration.option(name) ?? baseRegistration?.option(name) else {
            preconditionFailure("\(registration.name) has no option '\(name)'")
        }
        switch option.defaultValue {
        case .value(let text): return text
        case .depending(_, let resolve): return resolve(self)
        }
    }

    /// An integer option's value.
    public func integer(_ name: String) -> Int { Int(text(name))! }
    /// A number option's value.
    public func number(_ name: String) -> Double { Double(text(name))! }
    /// A seed option's value.
    public func seed(_ name: String = "seed") -> UInt64 { UInt64(text(name))! }
    /// A choice option's value.
    public func choice(_ name: String) -> String { text(name) }
    /// A flag option's value: given (as "true") or its default.
    public func flag(_ name: String) -> Bool { text(name) == "true" }

    /// The loaded value of resource option `name`, of type `T`.
    /// - Throws: ``MethodArgumentError`` when it was not given or not loaded as a `T`.
    public func resource<T>(_ name: String, as type: T.Type) throws(MethodArgumentError) -> T {
        guard let value = resources[name] else {
            let placeholder: String
            if let option = registration.option(name), case .resource(let text) = option.kind { placeholder = text } else { placeholder = "VALUE" }
            throw MethodArgumentError("--method \(registration.name) needs --\(name) \(placeholder)")
        }
        guard let typed = value as? T else { throw MethodArgumentError("--\(name): the loaded value is not a \(T.self)") }
        return typed
    }

    /// A baseline option's tensor: nil for the word `zeros` (the method's own default).
    /// - Throws: ``MethodArgumentError`` for a file name whose tensor was not supplied.
    public func baseline(_ name: String = "baseline") throws(MethodArgumentError) -> Tensor? {
        let value = text(name)
        if value == "zeros" { return nil }
        guard let tensor = tensors[name] else { throw MethodArgumentError("--\(name) \(value): the file was not loaded") }
        return tensor
    }

    /// The integrator chosen by `--integrator`.
    public func integrator() -> any Integrator {
        choice("integrator") == "idgi" ? ImportantDirection() : RiemannSum()
    }

    /// The registration of the base method an aggregation runs (option `base`), if any.
    public var baseRegistration: MethodRegistration? {
        guard registration.capabilities.contains(.aggregatesBase), let option = registration.option("base") else { return nil }
        let name: String
        if let value = given["base"] {
            name = value
        } else if case .value(let text) = option.defaultValue {
            name = text
        } else {
            return nil
        }
        return registry.registration(named: name)
    }

    /// The aggregation's base method, built from the same arguments.
    public func baseMethod() throws(MethodArgumentError) -> any AttributionMethod {
        guard let base = baseRegistration else { preconditionFailure("\(registration.name) has no base method") }
        return try base.build(MethodArguments(registry: registry, registration: base, given: given, tensors: tensors, network: network, resources: resources))
    }

    /// Every option's effective value, the method's own then its base's, for a report: name
    /// and value, numbers as numbers.
    public var effectiveValues: [(name: String, value: EffectiveValue)] {
        var seen: Set<String> = []
        var values: [(String, EffectiveValue)] = []
        for (owner, options) in [(self, registration.options)] + (baseRegistration.map { base in
            [(MethodArguments(registry: registry, registration: base, given: given, tensors: tensors, network: network, resources: resources), base.options)]
        } ?? []) {
            for option in options where seen.insert(option.name).inserted {
                let text = owner.text(option.name)
                switch option.kind {
                case .integer, .number, .seed: values.append((option.name, .number(Double(text)!)))
                default: values.append((option.name, .text(text)))
                }
            }
        }
        return values
    }

    /// An option's value in a report.
    public enum EffectiveValue: Sendable, Equatable {
        /// A number (integers, numbers, seeds).
        case number(Double)
        /// A word or a file name.
        case text(String)
    }
}
