import ArrayFormats
import AttributeCommand
import Catalogue
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// The residual fixture `shapes-resnet` (a graph: BasicBlocks with BatchNorm, a strided 1×1
/// projection, global pooling) through every registered method from the command line, as a
/// model directory and as the ONNX file the library wrote.
@Suite("shapes-resnet: every method on a residual network, from its directory and its ONNX file", .tags(.commandLine))
struct ShapesResNetTests {
    static let directory = FixturePaths.url("models/shapes-resnet")
    static let onnx = directory.appendingPathComponent("model.onnx")
    static let example = directory.appendingPathComponent("example-input.npy").path
    static let diffusion = FixturePaths.url("diffusion/shapes")

    /// Each registered method's first quick configuration, with the reference set and the
    /// diffusion model where its parameters take them.
    static func methodArguments(references: URL) -> [[String]] {
        Catalogue.methods.methods.map { registration in
            var arguments = ["--method", registration.name]
            for (name, value) in registration.quickConfigurations[0] { arguments += ["--\(name)", value] }
            let given = (try? Catalogue.methods.specification(registration.name, text: registration.quickConfigurations[0]))?.values ?? [:]
            for parameter in registration.parameters where registration.applies(parameter.name, given: given) {
                switch parameter.kind {
                case .array(.stack): arguments += ["--\(parameter.name)", references.path]
                case .resource: arguments += ["--\(parameter.name)", diffusion.path]
                default: break
                }
            }
            return arguments
        }
    }

    @Test("Every registered method runs: exit 0, a finite map that is not all zero; the continuous ones give the directory's map from the .onnx file")
    func everyMethod() throws {
        let scratch = try FixturePaths.temporaryDirectory("resnet-methods")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let references = scratch.appendingPathComponent("R.npy")
        let check = try NPY.read(contentsOf: Self.directory.appendingPathComponent("check/inputs.npy"))
        try NPY.write(Tensor.stacking((1...12).map { check.point($0) }), to: references)
        let all = Self.methodArguments(references: references)
        #expect(all.count == Catalogue.methods.names.count)
        for method in all {
            let out = scratch.appendingPathComponent("a.npy")
            let outcome = AttributeCommand.run(["--model", Self.directory.path, "--input", Self.example, "--out", out.path] + method)
            #expect(outcome.status == 0, "\(method): \(outcome.standardError)")
            guard outcome.status == 0 else { continue }
            let map = try NPY.read(contentsOf: out)
            #expect(map.shape == [1, 16, 16] && map.scalars.allSatisfy(\.isFinite) && map.scalars.contains { $0 != 0 }, "\(method)")
            // The ONNX file has its BatchNorms folded into the convolutions by the loader (a
            // reordering of products: ~1e-15 relative per layer). Methods that take discrete
            // decisions from exact ties or orderings (Guided IG's feature choice, AGI's sign
            // steps, DDPath's, noise-free or not) are compared only for running; the smooth
            // ones must agree to 1e-9 of the map's scale.
            guard ["gradient", "input-x-gradient", "ig", "blur-ig", "expected-gradients", "guided-backprop"].contains(method[1]) else { continue }
            let fromONNX = scratch.appendingPathComponent("b.npy")
            let second = AttributeCommand.run(["--model", Self.onnx.path, "--input", Self.example, "--out", fromONNX.path] + method)
            #expect(second.status == 0, "\(method) from ONNX: \(second.standardError)")
            let scale = map.scalars.map(abs).max() ?? 1
            expectClose(try NPY.read(contentsOf: fromONNX).scalars, map.scalars, Tolerance(relative: 0, absolute: 1e-9 * scale), "\(method) from ONNX")
        }
    }

    @Test("Exact IG is refused on a graph (a usage error, exit 2, pointing to adaptive); IDGI is complete on it to rounding")
    func exactAndIDGI() throws {
        let scratch = try FixturePaths.temporaryDirectory("resnet-exact")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("a.npy").path
        let exact = AttributeCommand.run(["--model", Self.directory.path, "--input", Self.example, "--out", out, "--method", "ig", "--rule", "exact"])
        #expect(exact.status == 2 && exact.standardError.contains("adaptive"), "\(exact.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let idgi = AttributeCommand.run([
            "--model", Self.directory.path, "--input", Self.example, "--out", out, "--method", "ig", "--integrator", "idgi", "--steps", "24", "--output", "logit",
        ])
        #expect(idgi.status == 0, "\(idgi.standardError)")
        let json = try JSONValue.parse(idgi.standardOutput)
        let delta = try #require(json["completenessDelta"]?.doubleValue)
        let change = try #require(json["value"]?.doubleValue) - (try #require(json["baselineValue"]?.doubleValue))
        // Each IDGI step adds exactly its segment's ΔF; 24 sums of 256 terms round at ~1e-15.
        #expect(abs(delta) <= 1e-12 * max(1, abs(change)), "completeness delta \(delta) for ΔF = \(change)")
    }
}
