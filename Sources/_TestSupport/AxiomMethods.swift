import Attribution
import Models
import Tensors

/// The methods the axiom suites run, read from a registry: every method's quick
/// configurations, built, with the baseline given where the method (or its base) takes one.
/// A method registered anywhere — the toy of ``TestRegistry`` included — is tested without
/// editing a suite.
public enum AxiomMethods {
    /// One configured method.
    public struct Configured: Sendable, CustomStringConvertible {
        /// The method and its options, e.g. "ig steps=16 integrator=idgi".
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

    /// Every quick configuration of every method of `registry` that fits `domain` and has
    /// `required` capabilities, built with `baseline` where one is taken, `references` where a
    /// reference set is, and `network` for the methods built from it (skipped without one).
    public static func configurations(
        _ registry: MethodRegistry = TestRegistry.methods, domain: Domain, required: MethodCapabilities = [], baseline: Tensor? = nil,
        references: Tensor? = nil, network: Sequential? = nil
    ) throws -> [Configured] {
        var configured: [Configured] = []
        for registration in registry.methods where registration.capabilities.isSuperset(of: required) {
            let capabilities = registration.capabilities
            if domain != .networkImages && capabilities.contains(.needsImageInput) { continue }
            if domain == .vectors && capabilities.contains(.needsNetwork) { continue }
            if capabilities.contains(.takesReferences) && references == nil { continue }
            for configuration in registration.quickConfigurations {
                var values = configuration
                var tensors: [String: Tensor] = [:]
                let arguments = try registry.arguments(for: registration.name, values: values)
                let takesBaseline = registration.option("baseline") != nil || arguments.baseRegistration?.option("baseline") != nil
                if let baseline, takesBaseline {
                    values["baseline"] = "baseline.npy"
                    tensors["baseline"] = baseline
                }
                if let references, registration.option("references") != nil {
                    values["references"] = "references.npy"
                    tensors["references"] = references
                }
                let label = ([registration.name] + configuration.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
                let built = Result { () throws(MethodArgumentError) -> any AttributionMethod in
                    try registry.build(registration.name, values: values, tensors: tensors, network: network)
                }
                switch built {
                case .success(let method):
                    configured.append(Configured(description: label, method: method, registration: registration))
                case .failure(let error):
                    // A method built from the network (LPI, AGI) is left out of suites that have none.
                    if network == nil && error.description.contains("needs the model") { continue }
                    throw error
                }
            }
        }
        return configured
    }
}
