import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors

/// The files a run writes — the attributions, the ledger, the path points, the anchors —
/// staged, then committed together: either all are in place or none has changed
/// (``StagedFile/commitAll(_:)``).
struct OutputFiles {
    let request: Request
    let computation: Computation

    init(_ request: Request, _ computation: Computation) {
        self.request = request
        self.computation = computation
    }

    /// Every output staged beside its destination, not yet in place: the caller commits them
    /// together once standard output is written (``StagedFile/commitAll(_:)``).
    func staged() throws -> [StagedFile] {
        var staged: [StagedFile] = []
        do {
            if let file = request.outputFile {
                let scalars = computation.results.flatMap(\.attribution.scalars)
                staged.append(try StagedFile(NPY.encode(Tensor(shape: computation.fileShape, scalars: scalars)), for: file))
            }
            if let file = request.ledgerFile {
                staged.append(try StagedFile(Array(ledgerJSON().prettyPrinted.utf8), for: file))
            }
            if let file = request.pathPointsFile {
                staged.append(try StagedFile(NPY.encode(pathPoints()), for: file))
            }
            if let file = request.anchorsFile {
                staged.append(try StagedFile(NPY.encode(anchors()), for: file))
            }
        } catch {
            staged.forEach { $0.discard() }
            throw error
        }
        return staged
    }

    /// The ledger of one input; for a batch, `{"inputs": [ledger, …]}` with every step's
    /// `point` counted in the whole batch's path-point stack.
    func ledgerJSON() throws -> JSONValue {
        var ledgers: [JSONValue] = []
        var offset = 0
        for result in computation.results {
            guard var ledger = result.ledger else { throw ModelError("this method kept no ledger") }
            for s in ledger.steps.indices { ledger.steps[s].point += offset }
            ledgers.append(ledger.json)
            offset += result.gradientEvaluations
        }
        return computation.isBatch ? .object([.init("inputs", .array(ledgers))]) : ledgers[0]
    }

    /// Every input's gradient points, stacked in input order: [P] + inputShape.
    func pathPoints() throws -> Tensor { try stacked(\.pathPoints, "path points") }

    /// Every input's DDPath anchors, stacked in input order: [N(T + 1)] + inputShape.
    func anchors() throws -> Tensor { try stacked(\.anchors, "anchors") }

    /// The points each result keeps under `keyPath`, stacked in input order: [P] + inputShape.
    private func stacked(_ keyPath: KeyPath<AttributionResult, Tensor?>, _ name: String) throws -> Tensor {
        let shape = computation.network.inputShape
        var scalars: [Double] = []
        for result in computation.results {
            guard let points = result[keyPath: keyPath] else { throw ModelError("this run kept no \(name)") }
            scalars += points.scalars
        }
        return Tensor(shape: [scalars.count / Tensor.elementCount(of: shape)] + shape, scalars: scalars)
    }
}
