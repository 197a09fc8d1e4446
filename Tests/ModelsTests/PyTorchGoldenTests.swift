import ArrayFormats
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Reference outputs of two PyTorch networks (Fixtures/reference/export_pytorch_goldens.py,
/// float64 throughout), compared at ``Tolerance/float64Peer``.
/// One exported PyTorch network and its golden files.
struct PyTorchFixture: Sendable, CustomStringConvertible {
    var name: String
    var description: String { name }
    static let all = [PyTorchFixture(name: "mlp-activations"), PyTorchFixture(name: "cnn-pools")]

    var directory: URL { FixturePaths.url("pytorch/\(name)") }
    func golden(_ file: String) throws -> Tensor { try NPY.read(contentsOf: directory.appendingPathComponent("golden/\(file)")) }
    func network() throws -> Sequential { try ModelDirectory.load(directory) }
    func targets() throws -> [Int] { try golden("targets.npy").scalars.map { Int($0) } }
}

@Suite("PyTorch goldens: logits and input gradients", .tags(.golden, .gradients))
struct PyTorchGoldenTests {
    @Test("Logits equal PyTorch's", arguments: PyTorchFixture.all)
    func logits(fixture: PyTorchFixture) throws {
        let network = try fixture.network()
        let inputs = try fixture.golden("inputs.npy")
        let expected = try fixture.golden("logits.npy")
        let logits = try network.logits(for: inputs)
        #expect(logits.shape == expected.shape)
        for b in 0..<inputs.batchCount {
            expectClose(logits.point(b).scalars, expected.point(b).scalars, .float64Peer, "\(fixture) logits row \(b)")
        }
        print("\(fixture) logits: worst normwise relative difference \(normwiseRelativeError(logits.scalars, expected.scalars))")
    }

    @Test("Values and input gradients equal torch.autograd's", arguments: PyTorchFixture.all, OutputKind.allCases)
    func gradients(fixture: PyTorchFixture, kind: OutputKind) throws {
        let network = try fixture.network()
        let inputs = try fixture.golden("inputs.npy")
        let expectedValues = try fixture.golden("values-\(kind.rawValue).npy").scalars
        let expectedGradients = try fixture.golden("gradients-\(kind.rawValue).npy")
        var worst = 0.0
        for (b, target) in try fixture.targets().enumerated() {
            let output = try ClassifierOutput(network: network, target: target, kind: kind)
            let result = try output.valuesAndGradients(at: inputs.point(b).reshaped([1] + network.inputShape))
            expectClose(result.values[0], expectedValues[b], .float64Peer, "\(fixture) \(kind) value row \(b)")
            expectClose(result.gradients.scalars, expectedGradients.point(b).scalars, .float64Peer, "\(fixture) \(kind) gradient row \(b)")
            worst = max(worst, normwiseRelativeError(result.gradients.scalars, expectedGradients.point(b).scalars))
        }
        print("\(fixture) \(kind) gradients: worst normwise relative difference \(worst)")
    }

    @Test("A model with BatchNorm2d, BatchNorm1d, Dropout, Identity and padding='same', exported by the exporter, gives the original PyTorch model's logits to 1e-10")
    func exportedWithBatchNorm() throws {
        // Fixtures/reference/export_exporter_goldens.py: the golden logits are the original
        // model's (batch norms unfolded, eval mode); the directory holds the folded layers.
        let directory = FixturePaths.url("pytorch/batchnorm-cnn")
        let network = try ModelDirectory.load(directory)
        #expect(network.layers.map(\.kind) == ["conv2d", "relu", "maxpool2d", "flatten", "dense", "tanh", "dense"])
        let inputs = try NPY.read(contentsOf: directory.appendingPathComponent("golden/inputs.npy"))
        let expected = try NPY.read(contentsOf: directory.appendingPathComponent("golden/logits.npy"))
        let logits = try network.logits(for: inputs)
        // Folding reorders the arithmetic (s·(Wx) against (s·W)x): round-off, far below 1e-10.
        let error = normwiseRelativeError(logits.scalars, expected.scalars)
        print("batchnorm-cnn: logits against the unfolded PyTorch model, normwise relative difference \(error)")
        #expect(error < 1e-10)
    }
}
