import Datasets
import Evaluation
import FixtureModels
import Tensors
import Testing
import _TestSupport

@testable import Quality

@Suite("ROAR and DiffROAR: removal and retraining")
struct RemoveAndRetrainTests {
    @Test("Removing a fraction replaces exactly round(k·P) pixels, the top or the bottom of the ranking, in every channel")
    func removal() throws {
        var generator = Seeds.generator(1510)
        let image = Tensor.uniform(shape: [2, 3, 5], in: 1, 2, using: &generator)  // 15 pixels, values ≠ the means below
        let attribution = Tensor.normal(shape: [2, 3, 5], using: &generator)
        let means = [-1.0, -2.0]
        let grid = try PixelGrid(shape: [2, 3, 5])
        let order = PixelGrid.order(grid.saliency(attribution, ranking: .absolute))
        for fraction in [0.1, 0.5, 0.9] {
            let count = Int((fraction * 15).rounded())  // 2, 8, 14 (8: .5 rounds away from zero)
            let top = try RemoveAndRetrain.removing(.top, fraction: fraction, of: image, ranking: attribution, channelMeans: means)
            let bottom = try RemoveAndRetrain.removing(.bottom, fraction: fraction, of: image, ranking: attribution, channelMeans: means)
            for (rank, pixel) in order.enumerated() {
                for c in 0..<2 {
                    let index = c * 15 + pixel
                    #expect(top.scalars[index] == (rank < count ? means[c] : image.scalars[index]))
                    #expect(bottom.scalars[index] == (rank >= 15 - count ? means[c] : image.scalars[index]))
                }
            }
        }
        let stack = Tensor(shape: [2, 2, 1, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(RemoveAndRetrain.channelMeans(stack) == [3.5, 5.5])  // (1+2+5+6)/4, (3+4+7+8)/4
    }

    @Test("Retraining gives per-fraction correctness in {0, 1}, ROAR and DiffROAR as their means, and the same numbers again from the same seed")
    func retraining() throws {
        let split = try Datasets.digits()
        let train = split.train.subset(Array(0..<120))
        let test = (0..<10).map { split.test.inputs.point($0) }
        let labels = Array(split.test.labels[0..<10])
        // The pixels themselves as the ranking: bright strokes first.
        let trainMaps = (0..<train.count).map { train.inputs.point($0) }
        let run = {
            try RemoveAndRetrain(fractions: [0.2, 0.8]).run(
                recipe: .digitsMLP, train: train, trainMaps: trainMaps, test: test, testLabels: labels, testMaps: test, epochs: 2)
        }
        let outcome = try run()
        #expect(outcome.topRemoved.count == 2 && outcome.bottomRemoved.count == 2)
        for row in outcome.topRemoved + outcome.bottomRemoved {
            #expect(row.count == 10 && row.allSatisfy { $0 == 0 || $0 == 1 })
        }
        for i in 0..<10 {
            #expect(outcome.roar[i] == (outcome.topRemoved[0][i] + outcome.topRemoved[1][i]) / 2)
            #expect(outcome.diffROAR[i] == ((outcome.bottomRemoved[0][i] - outcome.topRemoved[0][i]) + (outcome.bottomRemoved[1][i] - outcome.topRemoved[1][i])) / 2)
        }
        let again = try run()
        #expect(again.topRemoved == outcome.topRemoved && again.bottomRemoved == outcome.bottomRemoved)
    }
}
