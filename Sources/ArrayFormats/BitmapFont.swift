/// A 5×7 bitmap font for the printable ASCII characters, so that PNG figures can carry their
/// own labels (column titles, colour-scale values) without a font library.
///
/// Each glyph is 7 rows of 5 pixels, top row first; in the table below each row is one hex
/// byte whose bits 4…0 are the pixels from left to right. Characters advance 6 pixels (a
/// column of space between glyphs) and lines are 9 pixels apart, times the drawing scale.
/// Text is first spelled in ASCII (``ascii(_:)``: − as -, √ as sqrt, Greek letters by name,
/// subscript digits as plain ones, superscripts after a '^'); what still falls outside ASCII 32…126 is drawn
/// as '?'.
public enum BitmapFont {
    /// Glyph width and height in pixels, before scaling.
    public static let glyphSize = (width: 5, height: 7)
    /// Horizontal advance per character, before scaling.
    public static let advance = 6

    /// The width in pixels of `text` drawn at `scale`.
    public static func width(of text: String, scale: Int = 1) -> Int {
        let count = ascii(text).count
        return count == 0 ? 0 : (count * advance - 1) * scale
    }

    /// The spellings used for the characters the figures' labels use beyond ASCII.
    static let spellings: [Character: String] = [
        "−": "-", "–": "-", "—": "-", "·": "*", "×": "x", "′": "'", "’": "'", "‘": "'", "“": "\"", "”": "\"",
        "√": "sqrt", "≤": "<=", "≥": ">=", "≈": "~", "±": "+-", "→": "->", "←": "<-", "…": "...", "⊙": "*", "∇": "grad ",
        "α": "a", "ᾱ": "abar", "β": "b", "γ": "g", "δ": "d", "Δ": "D", "ε": "eps", "θ": "th", "λ": "l", "μ": "mu",
        "π": "pi", "ρ": "rho", "σ": "s", "Σ": "sum ", "τ": "tau", "φ": "phi", "ω": "w",
        "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9",
        "ᵢ": "i", "ₜ": "t", "ₖ": "k", "ⱼ": "j", "ₙ": "n", "é": "e", "ö": "o", "ü": "u",
    ]

    /// Superscript characters and their plain forms; a run of them is written after one '^'.
    static let superscripts: [Character: Character] = [
        "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-",
    ]

    /// `text` spelled in ASCII: each character of ``spellings`` replaced by its spelling, and a
    /// run of superscripts by '^' and the run (10⁻⁴ as 10^-4).
    public static func ascii(_ text: String) -> String {
        var result = ""
        var inSuperscript = false
        for character in text {
            if let plain = superscripts[character] {
                if !inSuperscript { result.append("^") }
                result.append(plain)
                inSuperscript = true
                continue
            }
            inSuperscript = false
            if let spelling = spellings[character] { result += spelling } else { result.append(character) }
        }
        return result
    }

    /// Draws `text` into an RGB image (`width` pixels wide, rows top to bottom) with its
    /// top-left corner at (x, y); pixels outside the image are skipped.
    public static func draw(
        _ text: String, into rgb: inout [UInt8], width: Int, height: Int, x: Int, y: Int, scale: Int = 1,
        color: (UInt8, UInt8, UInt8) = (0, 0, 0)
    ) {
        for (index, character) in ascii(text).enumerated() {
            let rows = glyph(character)
            for (row, bits) in rows.enumerated() {
                for column in 0..<glyphSize.width where bits & (1 << (glyphSize.width - 1 - column)) != 0 {
                    for dy in 0..<scale {
                        for dx in 0..<scale {
                            let px = x + (index * advance + column) * scale + dx
                            let py = y + row * scale + dy
                            guard (0..<width).contains(px), (0..<height).contains(py) else { continue }
                            let offset = (py * width + px) * 3
                            rgb[offset] = color.0
                            rgb[offset + 1] = color.1
                            rgb[offset + 2] = color.2
                        }
                    }
                }
            }
        }
    }

    /// The seven rows of `character`'s glyph.
    public static func glyph(_ character: Character) -> [UInt8] {
        let code = character.unicodeScalars.count == 1 ? Int(character.unicodeScalars.first!.value) : 63
        let hex = glyphs[(32...126).contains(code) ? code - 32 : 63 - 32]
        var rows: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            rows.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return rows
    }

    /// ASCII 32 (space) … 126 (~), seven rows of five bits each.
    static let glyphs: [String] = [
        "00000000000000",  // ' '
        "04040404040004",  // '!'
        "0A0A0000000000",  // '"'
        "0A1F0A0A0A1F0A",  // '#'
        "040F140E051E04",  // '$'
        "18190204081303",  // '%'
        "0C12140815120D",  // '&'
        "04040000000000",  // "'"
        "02040808080402",  // '('
        "08040202020408",  // ')'
        "0004150E150400",  // '*'
        "0004041F040400",  // '+'
        "000000000C0408",  // ','
        "0000001F000000",  // '-'
        "00000000000C0C",  // '.'
        "00010204081000",  // '/'
        "0E11131519110E",  // '0'
        "040C040404040E",  // '1'
        "0E11010204081F",  // '2'
        "1F02040201110E",  // '3'
        "02060A121F0202",  // '4'
        "1F101E0101110E",  // '5'
        "0608101E11110E",  // '6'
        "1F010204080808",  // '7'
        "0E11110E11110E",  // '8'
        "0E11110F01020C",  // '9'
        "000C0C000C0C00",  // ':'
        "000C0C000C0408",  // ';'
        "02040810080402",  // '<'
        "00001F001F0000",  // '='
        "08040201020408",  // '>'
        "0E110102040004",  // '?'
        "0E11010D15150E",  // '@'
        "0E11111F111111",  // 'A'
        "1E11111E11111E",  // 'B'
        "0E11101010110E",  // 'C'
        "1C12111111121C",  // 'D'
        "1F10101E10101F",  // 'E'
        "1F10101E101010",  // 'F'
        "0E11101711110F",  // 'G'
        "1111111F111111",  // 'H'
        "0E04040404040E",  // 'I'
        "0702020202120C",  // 'J'
        "11121418141211",  // 'K'
        "1010101010101F",  // 'L'
        "111B1515111111",  // 'M'
        "11111915131111",  // 'N'
        "0E11111111110E",  // 'O'
        "1E11111E101010",  // 'P'
        "0E11111115120D",  // 'Q'
        "1E11111E141211",  // 'R'
        "0F10100E01011E",  // 'S'
        "1F040404040404",  // 'T'
        "1111111111110E",  // 'U'
        "11111111110A04",  // 'V'
        "1111111515150A",  // 'W'
        "11110A040A1111",  // 'X'
        "1111110A040404",  // 'Y'
        "1F01020408101F",  // 'Z'
        "0E08080808080E",  // '['
        "00100804020100",  // '\\'
        "0E02020202020E",  // ']'
        "040A1100000000",  // '^'
        "0000000000001F",  // '_'
        "08040000000000",  // '`'
        "00000E010F110F",  // 'a'
        "1010161911111E",  // 'b'
        "00000E1010110E",  // 'c'
        "01010D1311110F",  // 'd'
        "00000E111F100E",  // 'e'
        "0609081C080808",  // 'f'
        "000F11110F010E",  // 'g'
        "10101619111111",  // 'h'
        "04000C0404040E",  // 'i'
        "0200060202120C",  // 'j'
        "10101214181412",  // 'k'
        "0C04040404040E",  // 'l'
        "00001A15151111",  // 'm'
        "00001619111111",  // 'n'
        "00000E1111110E",  // 'o'
        "00001E111E1010",  // 'p'
        "00000D130F0101",  // 'q'
        "00001619101010",  // 'r'
        "00000E100E011E",  // 's'
        "08081C08080906",  // 't'
        "0000111111130D",  // 'u'
        "00001111110A04",  // 'v'
        "0000111115150A",  // 'w'
        "0000110A040A11",  // 'x'
        "000011110F010E",  // 'y'
        "00001F0204081F",  // 'z'
        "02040408040402",  // '{'
        "04040404040404",  // '|'
        "08040402040408",  // '}'
        "00000815020000",  // '~'
    ]
}
