import Testing
@testable import BackpropCore

/// `ScratchSpace` (Kernels/ScratchSpace.swift): zeroed memory whose first element starts a cache line,
/// and the convolution kernels' scratch laid out in it.
struct ScratchSpaceTests {
    @Test(arguments: [0, 1, 3, 17, 1000, 70_001])
    func startsACacheLineAndHoldsZeros(count: Int) {
        let floats = ScratchSpace<Float>(count: count), doubles = ScratchSpace<Double>(count: count)
        #expect(Int(bitPattern: floats.base) % 64 == 0)
        #expect(Int(bitPattern: doubles.base) % 64 == 0)
        #expect(floats.count == count && doubles.count == count)
        floats.withUnsafeMutableBufferPointer { b in
            #expect(b.count == count && b.allSatisfy { $0 == 0 && $0.sign == .plus })
        }
        doubles.withUnsafeMutableBufferPointer { b in
            #expect(b.count == count && b.allSatisfy { $0 == 0 && $0.sign == .plus })
        }
    }

    @Test func writesStayWhereTheyWereWritten() {
        let space = ScratchSpace<Float>(count: 5)
        space.withUnsafeMutableBufferPointer { b in
            for i in b.indices { b[i] = Float(i) + 0.5 }
        }
        space.withUnsafeMutableBufferPointer { b in
            #expect(b.baseAddress == space.base)
            #expect(Array(b) == [0.5, 1.5, 2.5, 3.5, 4.5])
        }
    }

    /// Every convolution kernel's scratch starts a cache line once laid out: the image-by-image products,
    /// the unrolled-gradient backward and Winograd's forward and backward.
    @Test func theConvolutionScratchStartsACacheLine() {
        let x = Tensor<Float>(repeating: 0.25, shape: [2, 8, 8, 8])
        let fast = Convolution<Float>(weight: Tensor(repeating: 0.5, shape: [8, 8, 3, 3]), bias: .zeros([8]),
                                      stride: 1, pad: 1, algorithm: .fast)
        let winograd = Convolution<Float>(weight: Tensor(repeating: 0.5, shape: [8, 8, 3, 3]), bias: .zeros([8]),
                                          stride: 1, pad: 1, algorithm: .winograd)
        for layer in [fast, winograd] {
            let out = layer.forward(x)
            _ = layer.backward(Tensor(repeating: 1, shape: out.shape))
        }
        #expect(fast.imageByImage.workspace.count > 0)
        #expect(Int(bitPattern: fast.imageByImage.workspace.base) % 64 == 0)
        #expect(fast.imageByImage.unrolledGradient.gradientWorkspace.count > 0)
        #expect(Int(bitPattern: fast.imageByImage.unrolledGradient.gradientWorkspace.base) % 64 == 0)
        #expect(winograd.winograd.gradientWorkspace.count > 0)
        #expect(Int(bitPattern: winograd.winograd.gradientWorkspace.base) % 64 == 0)
    }
}
