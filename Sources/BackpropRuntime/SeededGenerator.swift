/// A seeded pseudo-random generator of our own (xoshiro256**, seeded through SplitMix64), so the same
/// seed gives the same numbers on every platform and Swift version — unlike the system generator, and
/// unlike the standard library's `shuffle`, whose algorithm may change.
///
/// Normal deviates come from Marsaglia's polar method with a logarithm written in plain IEEE arithmetic
/// (`portableLog`), so they too are bit-identical everywhere.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareNormal: Double?

    /// A generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Standard normal (mean 0, standard deviation 1).
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let u = 2 * nextUniform() - 1, v = 2 * nextUniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let f = (-2 * portableLog(s) / s).squareRoot()
                spareNormal = v * f
                return u * f
            }
        }
    }

    /// Uniform integer in 0..<bound (bound > 0), without modulo bias (Lemire's method).
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "SeededGenerator.nextIndex(below:): bound must be positive, got \(bound)")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// A uniformly random permutation of 0..<n (Fisher–Yates), e.g. the order of an epoch's examples.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p: [Int] = []
        permutation(n, into: &p)
        return p
    }

    /// `permutation(n)` written into `p` (its storage is reused when it has room: no allocation).
    public mutating func permutation(_ n: Int, into p: inout [Int]) {
        p.removeAll(keepingCapacity: true)
        p.append(contentsOf: 0..<n)
        if n < 2 { return }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, nextIndex(below: i + 1))
        }
    }
}

/// Natural logarithm of a positive finite x in plain IEEE arithmetic (no libm), accurate to ~1 ulp:
/// x = m·2^e with m in [√½, √2), log m = 2·atanh((m − 1)/(m + 1)) by its series.
package func portableLog(_ x: Double) -> Double {
    var m = x.significand
    var e = Double(x.exponent)
    if m > 1.414_213_562_373_095_1 { m /= 2; e += 1 }
    let s = (m - 1) / (m + 1), s2 = s * s
    var series = 0.0
    for k in stride(from: 23, through: 3, by: -2) { series = (series + 1 / Double(k)) * s2 }
    return e * 0.693_147_180_559_945_3 + 2 * s * (1 + series)
}
