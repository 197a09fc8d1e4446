/// Level sets of a function sampled on a grid, by marching squares (Lorensen & Cline's
/// marching cubes in two dimensions): for each grid cell, the level crosses each edge whose
/// end values straddle it, at the linearly interpolated point; the crossings pair up into
/// segments (the ambiguous saddle cells are split by the cell's mean value).
public enum Contours {
    /// The segments of the level `level` of `values` (row-major, `rows` × `columns`, row 0 at
    /// y = 0), in grid coordinates (x = column, y = row).
    public static func segments(values: [Double], rows: Int, columns: Int, level: Double) -> [((Double, Double), (Double, Double))] {
        precondition(values.count == rows * columns, "a grid needs rows·columns values")
        var result: [((Double, Double), (Double, Double))] = []
        func v(_ r: Int, _ c: Int) -> Double { values[r * columns + c] }
        for r in 0..<(rows - 1) {
            for c in 0..<(columns - 1) {
                // Corners counter-clockwise: (c, r), (c+1, r), (c+1, r+1), (c, r+1).
                let corners = [(Double(c), Double(r), v(r, c)), (Double(c + 1), Double(r), v(r, c + 1)),
                               (Double(c + 1), Double(r + 1), v(r + 1, c + 1)), (Double(c), Double(r + 1), v(r + 1, c))]
                var crossings: [(Double, Double)] = []
                for edge in 0..<4 {
                    let (a, b) = (corners[edge], corners[(edge + 1) % 4])
                    if (a.2 < level) != (b.2 < level) {
                        let t = (level - a.2) / (b.2 - a.2)
                        crossings.append((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)))
                    }
                }
                if crossings.count == 2 {
                    result.append((crossings[0], crossings[1]))
                } else if crossings.count == 4 {
                    // Saddle: pair the crossings so that the segments separate the corners the
                    // way the cell's mean value says.
                    let mean = corners.map(\.2).reduce(0, +) / 4
                    if (mean < level) == (corners[0].2 < level) {
                        result.append((crossings[0], crossings[3]))
                        result.append((crossings[1], crossings[2]))
                    } else {
                        result.append((crossings[0], crossings[1]))
                        result.append((crossings[2], crossings[3]))
                    }
                }
            }
        }
        return result
    }
}
