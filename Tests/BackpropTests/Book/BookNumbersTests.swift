import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The numbers the book prints in §4.3.2, §4.4, §4.4.1 and §4.4.2, in Double. The expected digits were
/// produced by running the book's own functions (`numerical_diff`, `_numerical_gradient_no_batch`,
/// `gradient_descent`, simpleNet) in Python 3 with NumPy 2.4; where the book prints fewer digits,
/// its printed values are checked too.
struct BookNumbersTests {
    @Test func numericalDiffMatchesTheBookBitForBit() throws {
        let report = try NumericalDiffExperiment().run(BookContext(scale: .quick))
        #expect(report.values["numerical_diff_5"] == .number(0.1999999999990898))
        #expect(report.values["numerical_diff_10"] == .number(0.2999999999986347))
        #expect(report.lines[0] == "numerical_diff(function_1, 5) = 0.1999999999990898")
        #expect(report.lines[1] == "numerical_diff(function_1, 10) = 0.2999999999986347")
        // tangent_line's intercepts, from the same Python run.
        #expect(report.values["tangent_5"]?["intercept"] == .number(-0.24999999999544897))
        #expect(report.values["tangent_10"]?["intercept"] == .number(-0.9999999999863469))
    }

    @Test func gradientMatchesTheBookBitForBit() throws {
        let report = try GradientExperiment().run(BookContext(scale: .quick))
        let gradients = try #require(report.values["gradients"]?.array)
        let expected: [[Double]] = [[6.00000000000378, 7.999999999999119], [0, 4.000000000004], [6.000000000012662, 0]]
        #expect(gradients.count == 3)
        for (value, want) in zip(gradients, expected) { #expect(value["gradient"]?.numbers == want) }
        // As NumPy prints them in the book: array([6., 8.]), array([0., 4.]), array([6., 0.]).
        #expect(report.lines[0].contains("= [6., 8.]"))
        #expect(report.lines[1].contains("= [0., 4.]"))
        #expect(report.lines[2].contains("= [6., 0.]"))
        #expect(report.values["field_points"] == .integer(18 * 18))
    }

    @Test func gradientDescentMatchesTheBookDigitForDigit() throws {
        let report = try GradientDescentExperiment().run(BookContext(scale: .quick))
        // NumPy's full values; the book prints them to 9 digits (checked through the printed lines).
        #expect(report.values["lr_0.1"]?.numbers == [-6.111107928998789e-10, 8.148143905314271e-10])
        #expect(report.values["lr_10.0"]?.numbers == [-25898374737328.363, -1295248616896.5398])
        #expect(report.values["lr_1e-10"]?.numbers == [-2.999999939999995, 3.9999999199999934])
        #expect(report.lines[1].contains("lr=0.1: [-6.11110793e-10, 8.14814391e-10]"), "\(report.lines)")
        #expect(report.lines[2].contains("lr=10.0: [-2.58983747e+13, -1.29524862e+12]"), "\(report.lines)")
        #expect(report.lines[3].contains("lr=1e-10: [-2.99999994, 3.99999992]"), "\(report.lines)")
        // Figure 4-10: the 20 points before each step, starting at (-3, 4) and shrinking by 0.8 a step.
        let path = try #require(report.values["path_lr_0.1"]?.array)
        #expect(path.count == 20)
        #expect(path[0].numbers == [-3, 4])
        let last = try #require(path[19].numbers)
        #expect(Swift.abs(last[0] - -3 * 0.8.power(19)) < 1e-9 && Swift.abs(last[1] - 4 * 0.8.power(19)) < 1e-9)
    }

    @Test func simpleNetGivesNumPysLossAndGradientForTheBooksW() throws {
        let report = try SimpleNetExperiment().run(BookContext(scale: .quick))
        // NumPy (gradient_simplenet.py's functions, the book's printed W): p, loss, dW.
        let p = try #require(report.values["p"]?.numbers)
        for (a, b) in zip(p, [1.054148091, 0.630716529, 1.132807401]) { #expect(Swift.abs(a - b) < 1e-15) }
        #expect(report.values["argmax"] == .integer(2))
        let loss = try #require(report.values["loss"]?.number)
        #expect(Swift.abs(loss - 0.9280682857864075) < 1e-14, "loss \(loss)")
        // The book prints 0.92806853663411326 for its unprinted W's full digits: 2.5e-7 away.
        #expect(Swift.abs(loss - 0.92806853663411326) < 3e-7)
        let rows = try #require(report.values["dW"]?.array)
        let dW = rows.compactMap { $0.numbers }
        let numpy: [[Double]] = [[0.2192475712392561, 0.14356242984070455, -0.3628100010055757],
                                 [0.3288713569016277, 0.21534364482433954, -0.5442150014745017]]
        let book: [[Double]] = [[0.21924763, 0.14356247, -0.36281009], [0.32887144, 0.2153437, -0.54421514]]
        #expect(dW.count == 2)
        for (row, (n, b)) in zip(dW, zip(numpy, book)) {
            for (value, (fromNumPy, fromBook)) in zip(row, zip(n, b)) {
                #expect(Swift.abs(value - fromNumPy) < 1e-10, "dW \(value) vs NumPy \(fromNumPy)")
                #expect(Swift.abs(value - fromBook) < 2e-7, "dW \(value) vs the book \(fromBook)")
            }
        }
    }

    @Test func optimizerEndPointsMatchAnIndependentNumPyRun() throws {
        // The book's common/optimizer.py (SGD, Momentum, AdaGrad, Adam) re-typed in Python,
        // optimizer_compare_naive.py's loop, 30 updates from (-7, 2).
        let expected: [String: (Double, Double)] = [
            "SGD": (-0.3503929957523197, 0.0847823165504322),
            "Momentum": (0.896413858493733, 0.08808560171506971),
            "AdaGrad": (-0.12016232231416045, 2.486389893984459e-17),
            "Adam": (0.13600685239498186, 0.31824537553721943),
        ]
        let report = try OptimizersExperiment().run(BookContext(scale: .quick))
        for (name, (x, y)) in expected {
            let end = try #require(report.values["end_points"]?[name])
            let endX = try #require(end["x"]?.number), endY = try #require(end["y"]?.number)
            #expect(Swift.abs(endX - x) <= 1e-9 && Swift.abs(endY - y) <= 1e-9, "\(name): (\(endX), \(endY))")
            #expect(end["path"]?.array?.count == 31)
        }
        #expect(report.lines.count == 5)
    }

    @Test func activationsPrintTheBooksArrays() throws {
        let report = try ActivationsExperiment().run(BookContext(scale: .quick))
        #expect(report.values["step_function"]?.numbers == [0, 1, 1])
        #expect(report.values["relu"]?.numbers == [0, 1, 2])
        // The book: array([ 0.26894142,  0.73105858,  0.88079708]).
        #expect(report.lines[1] == "sigmoid(np.array([-1.0, 1.0, 2.0])) = [0.26894142, 0.73105858, 0.88079708]")
    }
}

private extension Double {
    func power(_ n: Int) -> Double { (0..<n).reduce(1) { r, _ in r * self } }
}
