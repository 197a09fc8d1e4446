import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors

/// Turns `--method` and its options into an attribution method, refusing options that do
/// not apply to it (a misspelt or misplaced option is a usage error, never silently ignored).
struct MethodFactory {
    static let methodNames = ["gradient", "input-x-gradient", "guided-backprop", "ig", "blur-ig", "guided-ig", "smoothgrad"]

    /// The options each method accepts beyond the common ones.
    static let methodOptions: [String: Set<String>] = [
        "gradient": [], "input-x-gradient": [], "guided-backprop": [],
        "ig": ["steps", "integrator", "baseline", "rule", "batch", "ledger"],
        "blur-ig": ["steps", "integrator", "max-sigma", "grad-step", "derivative", "batch", "ledger"],
        "guided-ig": ["steps", "integrator", "baseline", "fraction", "max-dist", "ledger"],
        "smoothgrad": ["base", "samples", "noise", "smoothing", "seed"],
    ]

    static let commonOptions: Set<String> = ["model", "input", "method", "out", "target", "output", "threads"]

    static var valuedOptions: Set<String> {
        // --candidate and --tolerance are parsed always, so that using them without `verify`
        // gets a message saying so rather than "unknown option".
        methodOptions.values.reduce(commonOptions, { $0.union($1) }).union(["candidate", "tolerance"])
    }

    let options: CommandLineOptions
    let method: String

    init(_ options: CommandLineOptions) throws(UsageError) {
        self.options = options
        guard let method = try options.choice("method", from: Self.methodNames) else {
            throw UsageError("missing required option '--method' (one of: \(Self.methodNames.joined(separator: ", ")))")
        }
        self.method = method
        // Every option given must belong to the method (or, for smoothgrad, to its base).
        var allowed = Self.commonOptions.union(["candidate", "tolerance"]).union(Self.methodOptions[method]!)
        if method == "smoothgrad" {
            let base = try options.choice("base", from: Self.methodNames.filter { $0 != "smoothgrad" }, default: "gradient")!
            allowed.formUnion(Self.methodOptions[base]!.subtracting(["ledger"]))
        }
        for name in options.values.keys.sorted() where !allowed.contains(name) {
            throw UsageError("--\(name) does not apply to --method \(method)")
        }
    }

    /// The parameters that were chosen, for the JSON report.
    var parameters: [JSONValue.Member] = []

    /// Builds the method; `baseline` is the loaded --baseline file, if any.
    mutating func make(baseline: Tensor?) throws(UsageError) -> any AttributionMethod {
        try make(method, baseline: baseline)
    }

    private mutating func make(_ name: String, baseline: Tensor?) throws(UsageError) -> any AttributionMethod {
        let batch = try options.integer("batch", in: 1...1_000_000)
        let ledger = options.values["ledger"] != nil
        func integrator() throws(UsageError) -> any Integrator {
            let choice = try options.choice("integrator", from: ["riemann", "idgi"], default: "riemann")!
            parameters.append(.init("integrator", .string(choice)))
            return choice == "idgi" ? ImportantDirection() : RiemannSum()
        }
        func steps(_ defaultValue: Int) throws(UsageError) -> Int {
            let value = try options.integer("steps", in: 1...10_000_000) ?? defaultValue
            parameters.append(.init("steps", .number(Double(value))))
            return value
        }
        switch name {
        case "gradient": return VanillaGradient()
        case "input-x-gradient": return InputTimesGradient()
        case "guided-backprop": return GuidedBackprop()
        case "ig":
            let chosen = try integrator()
            let isIDGI = chosen is ImportantDirection
            let rule = QuadratureRule(rawValue: try options.choice(
                "rule", from: QuadratureRule.allCases.map(\.rawValue), default: isIDGI ? "left" : "gauss-legendre")!)!
            if isIDGI && !rule.coversInterval {
                throw UsageError("--rule captum-trapezoid cannot be used with --integrator idgi (its cells stop short of the input); use left, the official pairing")
            }
            parameters.append(.init("rule", .string(rule.rawValue)))
            let n = try steps(200)
            if n < rule.minimumNodeCount { throw UsageError("--rule \(rule.rawValue) needs --steps ≥ \(rule.minimumNodeCount)") }
            return IntegratedGradients(baseline: baseline, steps: n, rule: rule, integrator: chosen, batchSize: batch, recordsLedger: ledger)
        case "blur-ig":
            let chosen = try integrator()
            let maxSigma = try options.number("max-sigma", in: 0...1e6, expected: "a number ≥ 0") ?? 50
            let gradientStep = try options.number("grad-step", in: Double.leastNonzeroMagnitude...1e6, expected: "a positive number") ?? 0.01
            let derivative = BlurPath.Derivative(rawValue: try options.choice(
                "derivative", from: BlurPath.Derivative.allCases.map(\.rawValue), default: BlurPath.Derivative.finiteDifference.rawValue)!)!
            parameters += [.init("maxSigma", .number(maxSigma)), .init("gradStep", .number(gradientStep)), .init("derivative", .string(derivative.rawValue))]
            return BlurIntegratedGradients(
                maxSigma: maxSigma, steps: try steps(100), gradientStep: gradientStep, derivative: derivative,
                integrator: chosen, batchSize: batch, recordsLedger: ledger)
        case "guided-ig":
            let chosen = try integrator()
            let fraction = try options.number("fraction", in: Double.leastNonzeroMagnitude...1, expected: "a number in (0, 1]") ?? 0.25
            let maxDistance = try options.number("max-dist", in: 0...1) ?? 0.02
            parameters += [.init("fraction", .number(fraction)), .init("maxDist", .number(maxDistance))]
            return GuidedIntegratedGradients(
                baseline: baseline, steps: try steps(200), fraction: fraction, maxDistance: maxDistance, integrator: chosen, recordsLedger: ledger)
        default:  // smoothgrad
            let baseName = try options.choice("base", from: Self.methodNames.filter { $0 != "smoothgrad" }, default: "gradient")!
            let samples = try options.integer("samples", in: 1...1_000_000) ?? 25
            let noise = try options.number("noise", in: 0...1e6, expected: "a number ≥ 0 (a fraction of the input's range)") ?? 0.15
            let aggregation = SmoothGrad.Aggregation(rawValue: try options.choice(
                "smoothing", from: SmoothGrad.Aggregation.allCases.map(\.rawValue), default: "mean")!)!
            let seed = try options.unsigned("seed") ?? 0
            parameters += [
                .init("base", .string(baseName)), .init("samples", .number(Double(samples))), .init("noise", .number(noise)),
                .init("smoothing", .string(aggregation.rawValue)), .init("seed", .string(String(seed))),
            ]
            let base = try make(baseName, baseline: baseline)
            return SmoothGrad(base: base, samples: samples, noise: .fractionOfRange(noise), aggregation: aggregation, seed: seed)
        }
    }
}
