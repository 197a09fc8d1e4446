import Foundation
import Models
import Tensors

/// A list of attribution methods and the one way to build one: from a specification (typed
/// values, or text parsed here by each parameter's declared kind), the network it explains,
/// and the arrays and resources its file parameters were loaded into.
///
/// The library's methods are registered each in its own file (``MethodRegistration``); the
/// list every tool reads — the command line, its help, the README's table test, the axiom
/// suites and `bench quality` — is assembled above the library, where DDPath's module is
/// visible too (the `Catalogue` module). A registry is a value: a test adds a method of its
/// own with ``adding(_:)``.
public struct MethodRegistry: Sendable {
    /// The methods, in the order help lists them.
    public let methods: [MethodRegistration]

    /// A registry of `methods`.
    /// - Precondition: names are unique.
    public init(_ methods: [MethodRegistration]) {
        precondition(Set(methods.map(\.name)).count == methods.count, "method names must be unique")
        self.methods = methods
    }

    /// This registry with `registration` added at the end.
    public func adding(_ registration: MethodRegistration) -> MethodRegistry { MethodRegistry(methods + [registration]) }

    /// The method called `name`.
    public func registration(named name: String) -> MethodRegistration? { methods.first { $0.name == name } }

    /// The methods' names, in order.
    public var names: [String] { methods.map(\.name) }

    /// The names an aggregation's base takes: every method that is not itself an aggregation.
    public var baseNames: [String] { methods.filter { !$0.capabilities.contains(.aggregatesBase) }.map(\.name) }

    /// The registration called `name`.
    /// - Throws: ``AttributionError`` listing the methods.
    public func require(_ name: String, parameter: String = "method") throws(AttributionError) -> MethodRegistration {
        guard let registration = registration(named: name) else {
            throw AttributionError(parameter: parameter, "`\(parameter)` \(name) is not a method; one of: \(names.joined(separator: ", "))")
        }
        return registration
    }

    /// The base called `name` of aggregation `aggregation`: a registered method that is not
    /// itself an aggregation.
    /// - Throws: ``AttributionError`` naming the base parameter and listing the methods it takes.
    func base(_ name: String, of aggregation: MethodRegistration, parameter: String) throws(AttributionError) -> MethodRegistration {
        guard let found = registration(named: name), !found.capabilities.contains(.aggregatesBase) else {
            throw AttributionError(parameter: parameter, "`\(parameter)` \(name) is not a method \(aggregation.name) can run; one of: \(baseNames.joined(separator: ", "))")
        }
        return found
    }

    // MARK: Text to a specification

    /// Method `name` with parameter values given as text (`"steps": "50"`, `"base": "ig"`,
    /// `"base.samples": "20"`), each parsed by its parameter's kind — the one place text
    /// becomes values. A file parameter's text becomes a ``ParameterValue/path(_:)`` for the
    /// caller to load. An unscoped name belongs to the method if it has it, else to its base;
    /// a name both have must be scoped.
    /// - Throws: ``AttributionError`` naming the parameter: unknown, ambiguous, not applicable, or not a value of its kind.
    public func specification(_ name: String, text: [String: String]) throws(AttributionError) -> MethodSpecification {
        let registration = try require(name)
        var own: [String: String] = [:]
        var scoped: [String: String] = [:]
        let base = registration.baseParameter
        var baseRegistration: MethodRegistration? = nil
        if let base { baseRegistration = try self.base(text[base.name] ?? base.defaultDescription, of: registration, parameter: base.name) }
        for key in text.keys.sorted() {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                guard let base, parts[0] == base.name else {
                    throw AttributionError(parameter: key, "`\(key)` does not apply to \(name): only an aggregation's base takes scoped parameters")
                }
                if let unscoped = text[parts[1]], baseRegistration?.parameter(parts[1]) != nil, registration.parameter(parts[1]) == nil {
                    throw AttributionError(parameter: key, "`\(parts[1])` and `\(key)` both set \(baseRegistration!.name)'s `\(parts[1])` (\(unscoped) and \(text[key]!)); give one")
                }
                scoped[parts[1]] = text[key]
                continue
            }
            // The base's own name is always the aggregation's parameter.
            let mine = registration.parameter(key) != nil
            let theirs = key != base?.name && baseRegistration?.parameter(key) != nil
            switch (mine, theirs) {
            case (true, true):
                // Unambiguous when the base's is given scoped beside it.
                guard text["\(base!.name).\(key)"] != nil else {
                    throw AttributionError(
                        parameter: key,
                        "`\(key)` is a parameter of both \(name) and its base \(baseRegistration!.name): write `\(key)` for \(name)'s and `\(base!.name).\(key)` for the base's")
                }
                own[key] = text[key]
            case (true, false): own[key] = text[key]
            case (false, true): if scoped[key] == nil { scoped[key] = text[key] }
            case (false, false):
                let of = baseRegistration.map { " or its base \($0.name)" } ?? ""
                throw AttributionError(parameter: key, "`\(key)` does not apply to \(name)\(of)")
            }
        }
        var values: [String: ParameterValue] = [:]
        for (key, value) in own {
            let declaration = registration.parameter(key)!
            if declaration.kind == .method { continue }
            values[key] = try declaration.kind.value(of: key, from: value)
        }
        if let base, let baseRegistration {
            do {
                values[base.name] = .method(try specification(baseRegistration.name, text: scoped))
            } catch {
                throw error.scoped(to: base.name)
            }
        }
        return MethodSpecification(name, values)
    }

    /// Checks every given value of `specification` (and of its base) against its parameter's
    /// kind — the ranges ``Configurable/validate()`` checks — before any file is read, so a
    /// value out of range is refused before any work. File values are not checked here.
    /// - Throws: ``AttributionError`` naming the (scoped) parameter.
    public func checkValues(_ specification: MethodSpecification) throws(AttributionError) {
        for (scope, registration, inner) in registrations(of: specification) {
            for name in inner.values.keys.sorted() {
                guard let declaration = registration.parameter(name), !declaration.kind.isFile, declaration.kind != .method else { continue }
                if let error = declaration.kind.error(for: inner.values[name]!, of: scope + name) { throw error }
            }
        }
    }

    // MARK: Building

    /// The method `specification` describes, built on its defaults: given values set, the
    /// network attached, the whole checked by the method's `validate`, once-per-build work
    /// done. The base of an aggregation is built first, from its nested specification.
    /// - Throws: ``AttributionError``: a parameter's error names it (scoped for a base), a missing network says so.
    public func build(_ specification: MethodSpecification, network: Sequential? = nil) throws(AttributionError) -> any AttributionMethod {
        let registration = try require(specification.name)
        var values = specification.values
        if let base = registration.baseParameter {
            let inner = specification.nested(base.name) ?? MethodSpecification(base.defaultDescription)
            _ = try self.base(inner.name, of: registration, parameter: base.name)
            do {
                values[base.name] = .attributionMethod(try build(inner, network: network))
            } catch {
                throw error.scoped(to: base.name)
            }
        }
        return try registration.make(values, network)
    }

    /// Method `name` built from text values (``specification(_:text:)``), with arrays and
    /// resources for its file parameters by scoped name.
    public func build(
        _ name: String, text: [String: String] = [:], files: [String: ParameterValue] = [:], network: Sequential? = nil
    ) throws(AttributionError) -> any AttributionMethod {
        var specification = try self.specification(name, text: text.filter { files[$0.key] == nil })
        for (parameter, value) in files { specification = specification.replacing(parameter, with: value) }
        return try build(specification, network: network)
    }

    // MARK: Reading back

    /// The registrations of `specification` and of its base, outermost first, each with its scope ("" or "base.").
    public func registrations(of specification: MethodSpecification) -> [(scope: String, registration: MethodRegistration, specification: MethodSpecification)] {
        guard let registration = registration(named: specification.name) else { return [] }
        var found = [("", registration, specification)]
        if let base = registration.baseParameter {
            let inner = specification.nested(base.name) ?? MethodSpecification(base.defaultDescription)
            found += registrations(of: inner).map { ("\(base.name).\($0.scope)", $0.registration, $0.specification) }
        }
        return found
    }

    /// Every parameter's effective value, the method's own then its base's — for a report: the
    /// built method's value, a file parameter's source, or help's default. A base's
    /// parameter whose name the method also has is reported under its scoped name.
    public func effectiveValues(of specification: MethodSpecification, built method: any AttributionMethod) -> [(name: String, value: ParameterValue?)] {
        var values: [(String, ParameterValue?)] = []
        var seen: Set<String> = []
        var current: (any AttributionMethod)? = method
        for (scope, registration, inner) in registrations(of: specification) {
            let read = current.map(registration.read) ?? [:]
            for parameter in registration.parameters {
                let name = seen.insert(parameter.name).inserted ? parameter.name : scope + parameter.name
                values.append((name, read[parameter.name] ?? inner.values[parameter.name] ?? .word(parameter.defaultDescription)))
            }
            current = registration.baseParameter.flatMap { base in (current as? any AggregatesBase)?.base(named: base.name) }
        }
        return values
    }

    /// Whether the method keeps a per-step ledger: it walks a path, or it aggregates a base that does.
    public func keepsLedger(_ specification: MethodSpecification) -> Bool {
        registrations(of: specification).contains { !$0.registration.capabilities.isDisjoint(with: [.walksPath, .keepsLedger]) }
    }
}

/// An aggregation that can hand back its built base (for reports of its effective values).
public protocol AggregatesBase {
    /// The built method held by the parameter `name`.
    func base(named name: String) -> (any AttributionMethod)?
}
