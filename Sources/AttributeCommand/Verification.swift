import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors

/// `attribute verify`: a candidate's attributions against the recomputed ones, input by
/// input, as max|C − R| / max|R| (0 when both are 0, infinite when only R is). With
/// `--exact` (IG on a piecewise-linear network), also the candidate's and the reference's
/// distance from exact IG E, max|C − E| / max|E| and max|R − E| / max|E|: the first is what
/// the candidate gets wrong in all, the second the share of it the rule itself explains.
struct Verification {
    /// The JSON members each input's report gains.
    var members: [[JSONValue.Member]] = []
    /// Whether every input is within tolerance.
    var passed = true
    /// One line saying what failed and the likely causes.
    var verdict = ""

    init(_ request: Request, _ computation: Computation) throws {
        guard let file = request.candidateFile else { return }
        let candidate = try NPY.read(contentsOf: file)
        guard candidate.shape == computation.fileShape else {
            throw ModelError("\(file.path): the candidate has shape \(candidate.shape); it must have the input file's shape \(computation.fileShape)")
        }
        if let bad = candidate.firstNonFiniteIndex {
            throw ModelError("\(file.path): element \(bad) is \(candidate.scalars[bad]); a candidate attribution must be finite")
        }
        let size = Tensor.elementCount(of: computation.network.inputShape)
        var worst: (input: Int, relative: Double)? = nil
        /// max|a − b| / max|b|: 0 when both are 0, infinite when only b is.
        func relativeDifference(_ a: [Double], _ b: [Double]) -> (absolute: Double, relative: Double) {
            let absolute = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            let scale = b.map(abs).max() ?? 0
            return (absolute, absolute == 0 ? 0 : (scale > 0 ? absolute / scale : .infinity))
        }
        func json(_ x: Double) -> JSONValue { x.isFinite ? .number(x) : .string("infinite") }
        for (b, result) in computation.results.enumerated() {
            let reference = result.attribution.scalars
            let mine = Array(candidate.scalars[b * size ..< (b + 1) * size])
            let (absolute, relative) = relativeDifference(mine, reference)
            let pass = relative <= request.tolerance
            if !pass && relative > (worst?.relative ?? -1) { worst = (b, relative) }
            passed = passed && pass
            let sum = Reductions.sumReference(mine)
            members.append([
                .init("candidate", .string(file.path)),
                .init("maxAbsoluteDifference", .number(absolute)),
                .init("maxRelativeDifference", relative.isFinite ? .number(relative) : .string("infinite")),
                .init("tolerance", .number(request.tolerance)),
                .init("candidateAttributionSum", .number(sum)),
                .init("candidateCompletenessDelta", result.startValue.map { .number(sum - (computation.values[b] - $0)) } ?? .null),
            ] + (computation.exactResults.map { exact in
                let answer = exact[b].attribution.scalars
                return [
                    .init("exactLinearPieces", exact[b].linearPieces.map { .number(Double($0)) } ?? .null),
                    .init("candidateExactRelativeDifference", json(relativeDifference(mine, answer).relative)),
                    .init("referenceExactRelativeDifference", json(relativeDifference(reference, answer).relative)),
                ]
            } ?? []) + [
                .init("pass", .bool(pass)),
            ])
        }
        if let worst {
            let failing = members.filter { $0.last?.value == .bool(false) }.count
            let where_ = computation.isBatch ? " (\(failing) of \(computation.inputs.count) inputs; worst: input \(worst.input))" : ""
            verdict = "attribute verify: the candidate differs from the reference by \(JSONValue.format(worst.relative)) "
                + "(max relative) > tolerance \(JSONValue.format(request.tolerance))\(where_); likely causes: "
                + Self.likelyCauses(request, computation, input: worst.input).joined(separator: "; ")
        }
    }

    /// The settings most often behind a mismatch, each with what this run used.
    static func likelyCauses(_ request: Request, _ computation: Computation, input: Int) -> [String] {
        var causes: [String] = []
        if !request.outputKindGiven {
            causes.append("the output kind (this command explains the probability by default; Captum and most frameworks explain the raw output: try --output logit)")
        } else {
            causes.append("the output kind (this run explained the \(request.outputKind.rawValue))")
        }
        if request.target == nil && request.targetsFile == nil {
            causes.append("the target (this run explained class \(computation.targets[input]), the predicted one; pass --target K)")
        } else {
            causes.append("the target (this run explained class \(computation.targets[input]))")
        }
        let effective = Dictionary(uniqueKeysWithValues: computation.parameters.map { ($0.key, $0.value) })
        var settings: [String] = []
        for key in ["rule", "steps", "integrator", "baseline"] {
            if let value = effective[key] { settings.append("\(key) \(value.stringValue ?? value.description)") }
        }
        if !settings.isEmpty {
            causes.append("the discretisation (this run used \(settings.joined(separator: ", ")); Captum's IG defaults to gausslegendre with 50 steps, PAIR's to 25 uniform steps)")
        }
        return causes
    }
}
