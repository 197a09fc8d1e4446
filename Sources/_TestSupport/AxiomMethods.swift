import Attribution
import Catalogue
import Diffusion
import Foundation
import Models
import Tensors

/// The methods the axiom suites run, read from a registry: every method's quick
/// configurations, built by the registry's one builder, with the baseline given where the
/// method (or its base) takes one. A method registered anywhere — the toy of ``TestRegistry``
/// and DDPath included — is tested without editing a suite.
public enum AxiomMethods {
    /// One configured method.
    public struct Configured: Sendable, CustomStringConvertible {
        /// The method and its parameters, e.g. "ig steps=16 integrator=idgi".
        public let description: String
        /// The built method.
        public let method: any AttributionMethod
        /// Its registration.
        public let registration: MethodRegistration
    }

    /// Which inputs the suite has.
    public enum Domain: Sendable {
        /// Analytic functions of vectors: no image-only methods, no network-only methods.
        case vectors
        /// A network on images: every method.
        case networkImages
        /// A network on vectors: no image-only methods.
        case networkVectors
    }

    /// The resources of the shipped digits models, by kind: the digits diffusion model (for DDPath).
    public static func digitsResources() throws -> [ResourceKind: any Sendable] {
        [.diffusionDirectory: try DiffusionModel.load(FixturePaths.url("diffusion/digits"))]
    }

    /// The resources of the shipped shapes models, by kind: the shapes diffusion model (for DDPath).
    public static func shapesResources() throws -> [ResourceKind: any Sendable] {
        [.diffusionDirectory: try DiffusionModel.load(FixturePaths.url("diffusion/shapes"))]
    }

    /// Every quick configuration of every method of `registry` that fits `domain` and has
    /// `required` capabilities, built with `baseline` where one is taken, `references` where a
    /// reference set is, `resources` for resource parameters (DDPath's diffusion model, by
    /// kind), and `network` for the methods built from it. A method whose reference set,
    /// resource or network the suite does not have is left out.
    public static func configurations(
        _ registry: MethodRegistry = TestRegistry.methods, domain: Domain, required: MethodCapabilities = [], baseline: Tensor? = nil,
        references: Tensor? = nil, network: Sequential? = nil, resources: [ResourceKind: any Sendable] = [:]
    ) throws -> [Configured] {
        var configured: [Configured] = []
        for registration in registry.methods where registration.capabilities.isSuperset(of: required) {
            let capabilities = registration.capabilities
            if domain != .networkImages && capabilities.contains(.needsImageInput) { continue }
            if domain == .vectors && capabilities.contains(.needsNetwork) { continue }
            if capabilities.contains(.buildsFromNetwork) && network == nil { continue }
            if capabilities.contains(.takesReferences) && references == nil { continue }
            let needed = registration.parameters.compactMap { parameter -> ResourceKind? in
                if case .resource(let kind) = parameter.kind { return kind } else { return nil }
            }
            if needed.contains(where: { resources[$0] == nil }) { continue }
            for configuration in registration.quickConfigurations {
                var specification = try registry.specification(registration.name, text: configuration)
                for (scope, found, inner) in registry.registrations(of: specification) {
                    for parameter in found.parameters {
                        switch parameter.kind {
                        case .baseline:
                            if let baseline, inner.values[parameter.name] == nil { specification = specification.replacing(scope + parameter.name, with: .array(baseline, source: "baseline")) }
                        case .array(.stack):
                            if let references, found.applies(parameter.name, given: inner.values) {
                                specification = specification.replacing(scope + parameter.name, with: .array(references, source: "references"))
                            }
                        case .resource(let kind):
                            if let resource = resources[kind] { specification = specification.replacing(scope + parameter.name, with: .resource(resource, source: kind.name)) }
                        default: break
                        }
                    }
                }
                let label = ([registration.name] + configuration.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
                configured.append(Configured(description: label, method: try registry.build(specification, network: network), registration: registration))
            }
        }
        return configured
    }
}
