import Foundation
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
    /// It needs a network's output, not any differentiable function (guided backprop).
    public static let needsNetwork = MethodCapabilities(rawValue: 1 << 3)
    /// It runs another method (its base, option `base`) several times and aggregates.
    public static let aggregatesBase = MethodCapabilities(rawValue: 1 << 4)
    /// It draws random numbers from a seed (option `seed`).
    public static let randomized = MethodCapabilities(rawValue: 1 << 5)
    /// It keeps a per-step ledger (every path method does; AGI too, without a completeness target).
    public static let keepsLedger = MethodCapabilities(rawValue: 1 << 6)
    /// It takes a reference set (option `references`, an array [M] + inputShape).
    public static let takesReferences = MethodCapabilities(rawValue: 1 << 7)
    /// It builds its path from anchor points it can report (``AttributionResult/anchors``; DDPath).
    public static let reportsAnchors = MethodCapabilities(rawValue: 1 << 8)
}

/// One method as the registry knows it: its name on the command line, one line of help, its
/// options, its capabilities, a few quick configurations (debug-build sized, for the axiom
/// suites), and how to build it from checked arguments.
public struct MethodRegistration: Sendable {
    /// The name `--method` takes ("ig").
    public let name: String
    /// One line saying what it computes.
    public let summary: String
    /// Its options, in the order help lists them.
    public let options: [MethodOption]
    /// What it can do.
    public let capabilities: MethodCapabilities
    /// Small configurations (option values) that exercise it quickly; the axiom suites run each.
    public let quickConfigurations: [[String: String]]
    /// Builds the method from checked arguments.
    public let build: @Sendable (MethodArguments) throws(MethodArgumentError) -> any AttributionMethod
    /// Reads the value of a ``MethodOption/Kind/resource(_:)`` option (option name, path) into
    /// what the builder finds in ``MethodArguments/resources`` (DDPath's diffusion directory).
    /// Its errors say what is wrong with the file.
    public let loadResource: (@Sendable (String, URL) throws -> any Sendable)?

    /// A registration.
    public init(
        name: String, summary: String, options: [MethodOption] = [], capabilities: MethodCapabilities = [],
        quickConfigurations: [[String: String]] = [[:]],
        loadResource: (@Sendable (String, URL) throws -> any Sendable)? = nil,
        build: @escaping @Sendable (MethodArguments) throws(MethodArgumentError) -> any AttributionMethod
    ) {
        self.loadResource = loadResource
        self.name = name
        self.summary = summary
        self.options = options
        self.capabilities = capabilities
        self.quickConfigurations = quickConfigurations
        self.build = build
    }

    /// The option called `name`, if the method has one.
    public func option(_ name: String) -> MethodOption? { options.first { $0.name == name } }
}
