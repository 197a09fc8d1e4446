import Foundation
import Models
import Tensors

/// The one list of attribution methods. The command line's parser, `--help`, its "does not
/// apply" errors, the README's method table (a test compares them) and the axiom suites all
/// read it; nothing else lists methods.
///
/// Adding a method is one file in `Sources/Attribution/Methods/` — the method, and its
/// ``MethodRegistration`` as a static member — plus one line in ``standard`` (CONTRIBUTING.md,
/// "Add an attribution method"). A registry is a value: a test can add a method of its own
/// with ``adding(_:)`` and hand the result to the command line and the axiom suites.
public struct MethodRegistry: Sendable {
    /// The methods, in the order help lists them.
    public let methods: [MethodRegistration]

    /// A registry of `methods`.
    /// - Precondition: names are unique.
    public init(_ methods: [MethodRegistration]) {
        precondition(Set(methods.map(\.name)).count == methods.count, "method names must be unique")
        self.methods = methods
    }

    /// Every method this library ships.
    public static let standard = MethodRegistry([
        VanillaGradient.registration,
        InputTimesGradient.registration,
        GuidedBackprop.registration,
        IntegratedGradients.registration,
        BlurIntegratedGradients.registration,
        GuidedIntegratedGradients.registration,
        SmoothGrad.registration,
        ExpectedGradients.registration,
        LocalPathIntegration.registration,
        AdversarialGradientIntegration.registration,
    ])

    /// This registry with `registration` added at the end.
    public func adding(_ registration: MethodRegistration) -> MethodRegistry { MethodRegistry(methods + [registration]) }

    /// The method called `name`.
    public func registration(named name: String) -> MethodRegistration? { methods.first { $0.name == name } }

    /// The methods' names, in order.
    public var names: [String] { methods.map(\.name) }

    /// The names of every method's options that take a value.
    public var optionNames: Set<String> { Set(methods.flatMap { $0.options.filter { $0.kind != .flag }.map(\.name) }) }
    /// The names of every method's flag options (given without a value).
    public var flagNames: Set<String> { Set(methods.flatMap { $0.options.filter { $0.kind == .flag }.map(\.name) }) }

    /// The names a `base` option accepts: every method that is not itself an aggregation.
    public var baseNames: [String] { methods.filter { !$0.capabilities.contains(.aggregatesBase) }.map(\.name) }

    /// The names aggregation `aggregation`'s `base` option accepts: the methods that are not
    /// aggregations and share no option name with it. One command line holds the options of
    /// both, so a shared name (Expected Gradients' and SmoothGrad's `--samples` and `--seed`,
    /// DDPath's own `--base`) could not say whose it is.
    public func baseNames(for aggregation: MethodRegistration) -> [String] {
        let own = Set(aggregation.options.map(\.name))
        return methods.filter { !$0.capabilities.contains(.aggregatesBase) && own.isDisjoint(with: $0.options.map(\.name)) }.map(\.name)
    }

    /// Checks `values` (option name → text) for method `name`: every option must belong to the
    /// method or, for an aggregation, to its base, and parse as its kind.
    /// - Throws: ``MethodArgumentError`` naming the method (or the base) an option does not apply to.
    public func arguments(
        for name: String, values: [String: String], tensors: [String: Tensor] = [:], network: Sequential? = nil,
        resources: [String: any Sendable] = [:]
    ) throws(MethodArgumentError) -> MethodArguments {
        guard let registration = registration(named: name) else {
            throw MethodArgumentError("'--method \(name)' is not one of: \(names.joined(separator: ", "))")
        }
        var base: MethodRegistration? = nil
        if registration.capabilities.contains(.aggregatesBase), let option = registration.option("base") {
            let baseName = values["base"] ?? option.defaultDescription
            let accepted = baseNames(for: registration)
            guard accepted.contains(baseName), let found = self.registration(named: baseName) else {
                if let other = self.registration(named: baseName), !other.capabilities.contains(.aggregatesBase) {
                    let shared = Set(registration.options.map(\.name)).intersection(other.options.map(\.name)).sorted().map { "--\($0)" }
                    throw MethodArgumentError(
                        "'--base \(baseName)' cannot run under --method \(name): both take \(shared.joined(separator: ", ")), so the command line "
                            + "could not say whose they are; one of: \(accepted.joined(separator: ", "))")
                }
                throw MethodArgumentError("'--base \(baseName)' is not one of: \(accepted.joined(separator: ", "))")
            }
            base = found
        }
        for key in values.keys.sorted() {
            if let option = registration.option(key) {
                if option.kind != .method { try option.check(values[key]!) }
            } else if let base, let option = base.option(key) {
                try option.check(values[key]!)
            } else if let base {
                throw MethodArgumentError("--\(key) does not apply to --base \(base.name)")
            } else {
                throw MethodArgumentError("--\(key) does not apply to --method \(name)")
            }
        }
        return MethodArguments(registry: self, registration: registration, given: values, tensors: tensors, network: network, resources: resources)
    }

    /// Builds method `name` from option values.
    /// - Throws: ``MethodArgumentError`` for options that do not apply or values out of range.
    public func build(
        _ name: String, values: [String: String] = [:], tensors: [String: Tensor] = [:], network: Sequential? = nil,
        resources: [String: any Sendable] = [:]
    ) throws(MethodArgumentError) -> any AttributionMethod {
        let arguments = try arguments(for: name, values: values, tensors: tensors, network: network, resources: resources)
        return try arguments.registration.build(arguments)
    }

    /// Reads the values of the resource options given in `arguments` (the method's and its
    /// base's) with their registrations' loaders, for a second call of
    /// ``arguments(for:values:tensors:network:resources:)``.
    /// - Throws: the loader's error, which says what is wrong with the file.
    public func loadResources(_ arguments: MethodArguments) throws -> [String: any Sendable] {
        var resources: [String: any Sendable] = [:]
        for registration in [arguments.registration] + (arguments.baseRegistration.map { [$0] } ?? []) {
            for option in registration.options {
                guard case .resource = option.kind, let path = arguments.given[option.name], let load = registration.loadResource else { continue }
                resources[option.name] = try load(option.name, URL(fileURLWithPath: path))
            }
        }
        return resources
    }

    /// Whether method `name` with these values keeps a per-step ledger: it walks a path, or it
    /// aggregates a base that does.
    public func keepsLedger(_ arguments: MethodArguments) -> Bool {
        let ledger: MethodCapabilities = [.walksPath, .keepsLedger]
        return !arguments.registration.capabilities.isDisjoint(with: ledger)
            || !(arguments.baseRegistration?.capabilities.isDisjoint(with: ledger) ?? true)
    }

    /// The methods and their options, as `attribute --help` prints them.
    public var help: String {
        func column(_ text: String) -> String { text.padding(toLength: max(20, text.count + 1), withPad: " ", startingAt: 0) }
        var lines: [String] = []
        for method in methods {
            lines.append("  \(column(method.name)) \(method.summary)")
            for option in method.options {
                let usage = option.kind == .flag ? "--\(option.name)" : "--\(option.name) \(option.placeholder)"
                lines.append("      \(column(usage)) \(option.help)")
                lines.append("      \(String(repeating: " ", count: 20)) (\(option.accepted); default \(option.defaultDescription))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
