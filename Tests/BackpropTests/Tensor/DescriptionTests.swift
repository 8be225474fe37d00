import Backprop
import Testing

// `description` must print as NumPy's `str(array)`. Every expected string below is the output of
// `str(np.array(...))` with NumPy 2.4 and default print options.

@Suite("Description (NumPy str)")
struct DescriptionTests {
    @Test func vectorsAndMatrices() {
        #expect(Tensor<Double>([1, 2, 3]).description == "[1. 2. 3.]")
        #expect(Tensor<Float>([1, 2, 3]).description == "[1. 2. 3.]")
        #expect(Tensor<Double>([[1, 2.5], [3, 4]]).description == "[[1.  2.5]\n [3.  4. ]]")
        #expect(Tensor<Float>([[1, 2], [3, 4]]).description == "[[1. 2.]\n [3. 4.]]")
        #expect(Tensor<Double>([-1, 2.5]).description == "[-1.   2.5]")
        #expect(Tensor<Double>([0.5, 100.25]).description == "[  0.5  100.25]")
        #expect(Tensor<Float>([0.5, 0.25]).description == "[0.5  0.25]")
        #expect(Tensor<Double>([-0.0, 1]).description == "[-0.  1.]")
        #expect(Tensor<Double>([12345678.9]).description == "[12345678.9]")
        #expect(Tensor<Double>([0.000123456789]).description == "[0.00012346]")
        #expect(Tensor<Double>([Double]()).description == "[]")
    }

    @Test func atMostEightFractionalDigits() {
        #expect(Tensor<Double>([1.0 / 3]).description == "[0.33333333]")
        #expect(Tensor<Float>([1.0 / 3]).description == "[0.33333334]")
        #expect(Tensor<Double>([0.123456789]).description == "[0.12345679]")
        #expect(Tensor<Float>([0.25]).description == "[0.25]")
    }

    @Test func higherRanks() {
        let t: Tensor<Double> = iotaTensor([2, 3, 4])
        #expect(t.description == """
            [[[ 0.  1.  2.  3.]
              [ 4.  5.  6.  7.]
              [ 8.  9. 10. 11.]]

             [[12. 13. 14. 15.]
              [16. 17. 18. 19.]
              [20. 21. 22. 23.]]]
            """)
        let m = Tensor<Bool>(shape: [2, 1, 2], scalars: [true, false, false, true])
        #expect(m.description == "[[[ True False]]\n\n [[False  True]]]")
    }

    @Test func zeroDimensional() {
        let t: Tensor<Double> = 2.5
        #expect(t.description == "2.5")
        #expect(Tensor<Float>(0.1).description == "0.1")
        #expect(Tensor<Double>(-0.75).description == "-0.75")
    }

    @Test func masksAndIntegers() {
        #expect(Tensor<Bool>([true, false]).description == "[ True False]")
        #expect(Tensor<Bool>([[true], [false]]).description == "[[ True]\n [False]]")
        #expect(Tensor<Int>([1, -2, 3]).description == "[ 1 -2  3]")
        #expect(Tensor<Int>([1, 2, 3]).description == "[1 2 3]")
        let mask = Tensor<Double>([1, 2, 3]) .> 1.5
        #expect("\(mask)" == "[False  True  True]")
    }

    @Test func nonFiniteWithoutFractions() {
        #expect(Tensor<Double>([1, .nan]).description == "[ 1. nan]")
        #expect(Tensor<Double>([.nan, .nan]).description == "[nan nan]")
        #expect(Tensor<Double>([-.infinity, .infinity]).description == "[-inf  inf]")
    }

    @Test func scientificNotation() {
        #expect(Tensor<Double>([1.5e10, 2e10]).description == "[1.5e+10 2.0e+10]")
        #expect(Tensor<Double>([-1.5e10, 2e10]).description == "[-1.5e+10  2.0e+10]")
        #expect(Tensor<Double>([1.5e-5, 2.25e-5]).description == "[1.50e-05 2.25e-05]")
        #expect(Tensor<Double>([123456789.0]).description == "[1.23456789e+08]")
    }

    @Test func summarisesMoreThanAThousandElements() {
        #expect(Tensor<Double>.zeros([2000]).description == "[0. 0. 0. ... 0. 0. 0.]")
        #expect((Tensor<Double>.arange(0, 1001) + 1000).description == "[1000. 1001. 1002. ... 1998. 1999. 2000.]")
        #expect(Tensor<Double>.arange(0, 1001).description == "[   0.    1.    2. ...  998.  999. 1000.]")
        let row = "[0. 0. 0. ... 0. 0. 0.]"
        #expect(Tensor<Float>.zeros([50, 50]).description
                == "[\(row)\n \(row)\n \(row)\n ...\n \(row)\n \(row)\n \(row)]")
        // Exactly 1000 elements are not summarised.
        #expect(!Tensor<Double>.zeros([1000]).description.contains("..."))
    }

    // MARK: - Differences from NumPy found while writing these tests (see the report).

    /// NumPy keeps the decimal point when the mantissa has no fractional digits: `1.e+10`.
    @Test func scientificWithoutFractionalDigitsKeepsThePoint() {
        #expect(Tensor<Double>([1e10]).description == "[1.e+10]")
        #expect(Tensor<Double>([1e-5, 2e-5]).description == "[1.e-05 2.e-05]")
    }

    /// NumPy also switches to scientific notation when max/min of the non-zero magnitudes exceeds 1000.
    @Test func scientificWhenMagnitudesSpanMoreThanAThousand() {
        #expect(Tensor<Double>([0.001, 2]).description == "[1.e-03 2.e+00]")
        #expect(Tensor<Double>([1, 2000]).description == "[1.e+00 2.e+03]")
    }

    /// NaN and inf take no fraction padding: NumPy right-aligns them in the full cell width.
    @Test func nonFiniteAlignedWithFractions() {
        #expect(Tensor<Double>([1.5, .nan]).description == "[1.5 nan]")
        #expect(Tensor<Double>([-.infinity, 1.5, .infinity]).description == "[-inf  1.5  inf]")
        #expect(Tensor<Double>([1e10, .nan]).description == "[1.e+10    nan]")
    }

    /// Float elements print with Float's shortest round-trip digits, as NumPy does for float32.
    @Test func floatUsesFloatShortestDigits() {
        #expect(Tensor<Float>([0.3]).description == "[0.3]")
        #expect(Tensor<Float>([0.7]).description == "[0.7]")
        #expect(Tensor<Float>([1.1e10]).description == "[1.1e+10]")
    }

    /// `str` of a 0-d array is `str` of its scalar: `2.0`, not `2.`.
    @Test func zeroDimensionalWholeNumber() {
        #expect(Tensor<Double>(2).description == "2.0")
    }

    /// Any array with no elements prints `[]`.
    @Test func emptyMatrixPrintsBrackets() {
        #expect(Tensor<Double>.zeros([2, 0]).description == "[]")
    }

    /// NumPy wraps lines at 75 characters.
    @Test func longRowsWrapAtSeventyFiveCharacters() {
        #expect(Tensor<Double>.arange(0, 20).description
                == "[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n 18. 19.]")
    }
}
