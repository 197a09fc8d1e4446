import Foundation
import Models
import Tensors

/// What a registered method is and can do, so the command line, its help and the axiom
/// suites can treat methods by their capabilities, never by their types.
public struct MethodCapabilities: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public let rawValue: Int
    /// Capabilities from bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// It integrates along a path: its result has F at the path's ends (a completeness
    /// target) and it can keep a per-step ledger.
    public static let walksPath = MethodCapabilities(rawValue: 1 << 0)
    /// It starts from a baseline x′ it can be given (``BaselineAttributionMethod``).
    public static let takesBaseline = MethodCapabilities(rawValue: 1 << 1)
    /// It needs image inputs [C, H, W].
    public static let needsImageInput = MethodCapabilities(rawValue: 1 << 2)
    /// It explains a classifier network's output, not any differentiable function (guided
    /// backprop's backward rule, DDPath's guidance toward the explained class).
    public static let needsNetwork = MethodCapabilities(rawValue: 1 << 3)
    /// It runs another method (its base, a parameter of kind ``ParameterKind/method``) several times and aggregates.
    public static let aggregatesBase = MethodCapabilities(rawValue: 1 << 4)
    /// It draws random numbers from a seed (parameter `seed`).
    public static let randomized = MethodCapabilities(rawValue: 1 << 5)
    /// It keeps a per-step ledger (every path method does; AGI too, without a completeness target).
    public static let keepsLedger = MethodCapabilities(rawValue: 1 << 6)
    /// It takes a reference set (parameter `references`, an array [M] + inputShape).
    public static let takesReferences = MethodCapabilities(rawValue: 1 << 7)
    /// It builds its path from anchor points it can report (``AttributionResult/anchors``; DDPath).
    public static let reportsAnchors = MethodCapabilities(rawValue: 1 << 8)
    /// It is built from the network it explains (``ConfigurableMethod/attach(network:)``: LPI, AGI).
    public static let buildsFromNetwork = MethodCapabilities(rawValue: 1 << 9)
}

/// A parameter as the registry lists it: name, kind, help and default, whatever type it belongs to.
public struct ParameterDeclaration: Sendable {
    /// The name.
    public let name: String
    /// The values it takes.
    public let kind: ParameterKind
    /// One line of help.
    public let help: String
    /// The default as help shows it.
    public let defaultDescription: String

    /// The declaration of `parameter`, with its default read from `defaults`.
    public init<Root>(_ parameter: Parameter<Root>, defaults: Root) {
        name = parameter.name
        kind = parameter.kind
        help = parameter.help
        defaultDescription = parameter.defaultDescription(defaults)
    }
}

/// One method as the registry knows it: its name, one line of help, its parameters (declared
/// by the method type, ``ConfigurableMethod/parameters``), its capabilities, a few quick
/// configurations (debug-build sized, for the axiom suites), and the one way to build it.
public struct MethodRegistration: Sendable {
    /// The name a specification uses ("ig"): the method's own ``AttributionMethod/name``.
    public let name: String
    /// One line saying what it computes.
    public let summary: String
    /// Its parameters, in the order help lists them.
    public let parameters: [ParameterDeclaration]
    /// What it can do.
    public let capabilities: MethodCapabilities
    /// Small configurations (parameter values as text) that exercise it quickly; the axiom suites run each.
    public let quickConfigurations: [[String: String]]
    /// Sets the given values on the defaults, then the dependent defaults, attaches the
    /// network, validates and prepares.
    let make: @Sendable ([String: ParameterValue], Sequential?) throws(AttributionError) -> any AttributionMethod
    /// The built method's parameter values, by name (file kinds have none).
    let read: @Sendable (any AttributionMethod) -> [String: ParameterValue]
    /// Whether a parameter's condition holds once the given values are set.
    let applicability: @Sendable (String, [String: ParameterValue]) -> Bool

    /// The registration of `Method`: its parameters, defaults and validation come from the type.
    public init<Method: ConfigurableMethod>(
        _ type: Method.Type, summary: String, capabilities: MethodCapabilities = [], quickConfigurations: [[String: String]] = [[:]]
    ) {
        let defaults = Method.defaults
        name = defaults.name
        self.summary = summary
        parameters = Method.parameters.map { ParameterDeclaration($0, defaults: defaults) }
        self.capabilities = capabilities
        self.quickConfigurations = quickConfigurations
        let name = defaults.name
        make = { values, network throws(AttributionError) in
            var method = try Method.configured(with: values, subject: name)
            // Every method may read the network when the builder has it (IG's exact rule
            // partitions it); those built from it need it.
            if let network {
                try method.attach(network: network)
            } else if capabilities.contains(.buildsFromNetwork) {
                throw AttributionError("\(name) is built from the network it explains: give the builder the network")
            }
            try method.validate()
            try method.prepare()
            return method
        }
        read = { built in (built as? Method)?.parameterValues ?? [:] }
        applicability = { parameterName, values in
            guard let parameter = Method.parameter(named: parameterName) else { return false }
            guard let configured = try? Method.configured(with: values, subject: name) else { return true }
            return parameter.inapplicability(in: configured) == nil
        }
    }

    /// Whether parameter `name` means something once `values` are given (its condition, such
    /// as "with `denoiser` empirical", holds): a caller filling in parameters the user left out
    /// fills only these. True when the values cannot be set (the build then says why).
    public func applies(_ name: String, given values: [String: ParameterValue]) -> Bool { applicability(name, values) }

    /// The parameter called `name`, if the method has one.
    public func parameter(_ name: String) -> ParameterDeclaration? { parameters.first { $0.name == name } }

    /// The parameter that names the method's base, for an aggregation.
    public var baseParameter: ParameterDeclaration? { parameters.first { $0.kind == .method } }
}
