/// The walkthroughs, in reading order: the runner's list and the index page's lines.
public enum WalkthroughCatalogue {
    /// One walkthrough: its number, executable, output folder and what it teaches.
    public struct Entry: Sendable {
        /// 1, 2, …
        public var number: Int
        /// The executable, "walkthrough-01".
        public var executable: String
        /// The output folder's name, "01-integrated-gradients-by-hand".
        public var folder: String
        /// One line on what it teaches.
        public var teaches: String
    }

    /// Every walkthrough, in reading order.
    public static let entries: [Entry] = [
        Entry(number: 1, executable: "walkthrough-01", folder: "01-integrated-gradients-by-hand",
              teaches: "Integrated Gradients by hand on an analytic function: the integral, its closed form, quadrature, and why the gradient alone is not enough"),
        Entry(number: 2, executable: "walkthrough-02", folder: "02-quadrature-and-convergence",
              teaches: "Quadrature rules and their convergence orders, on an analytic integrand and on digits-cnn; Captum's −ΔF/N bias"),
        Entry(number: 3, executable: "walkthrough-03", folder: "03-important-direction",
              teaches: "IDGI in the plane (moons-mlp): the important direction, the hyperplane property and exact per-step completeness"),
        Entry(number: 4, executable: "walkthrough-04", folder: "04-blur-and-guided-paths",
              teaches: "BlurIG, Guided IG and their IDGI versions on digits-cnn: other paths, the same bookkeeping"),
        Entry(number: 5, executable: "walkthrough-05", folder: "05-many-references",
              teaches: "Many references: Expected Gradients, LPI and AGI on digits-cnn, their targets and their convergence"),
        Entry(number: 6, executable: "walkthrough-06", folder: "06-denoising-diffusion-paths",
              teaches: "Denoising diffusion paths (DDPath) on digits and shapes: the forward process, guided denoising, the maps"),
        Entry(number: 7, executable: "walkthrough-07", folder: "07-do-the-claims-hold",
              teaches: "Do the papers' claims hold here? The pre-registered protocol's verdicts, with the controls that explain them"),
        Entry(number: 8, executable: "walkthrough-08", folder: "08-the-exact-answer",
              teaches: "The exact answer: IG on a ReLU network's linear pieces, and every rule and IDGI measured against it"),
    ]

    /// The entry whose output folder is `folder`.
    public static func entry(folder: String) -> Entry? { entries.first { $0.folder == folder } }
}
