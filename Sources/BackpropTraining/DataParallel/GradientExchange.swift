import BackpropCore
import Foundation

/// The one reduction of a data-parallel step: every parameter's gradient and the rank's weighted loss
/// packed into one contiguous buffer (kept from step to step), summed over the ranks in a single
/// `allReduceSum`, and unpacked into the gradients — no reduction per tensor.
final class GradientExchange<Scalar: TensorScalar> {
    let reducer: any GradientReducer
    private var buffer: [Scalar] = []
    /// Wall seconds spent in `allReduceSum` so far (waiting for the slowest rank included).
    private(set) var reduceSeconds = 0.0

    init(reducer: any GradientReducer) {
        self.reducer = reducer
    }

    /// Replaces each parameter's gradient by its sum over the ranks, and returns the sum of `loss`.
    func sum(_ parameters: [Parameter<Scalar>], loss: Scalar) -> Scalar {
        let total = parameters.reduce(1) { $0 + $1.gradient.count }
        if buffer.count != total { buffer = Array(repeating: 0, count: total) }
        var offset = 0
        buffer.withUnsafeMutableBufferPointer { packed in
            for p in parameters {
                p.gradient.withUnsafeBufferPointer { gradient in
                    _ = UnsafeMutableBufferPointer(rebasing: packed[offset ..< offset + gradient.count]).update(fromContentsOf: gradient)
                    offset += gradient.count
                }
            }
        }
        buffer[offset] = loss
        let start = DispatchTime.now().uptimeNanoseconds
        reducer.allReduceSum(&buffer)
        reduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        offset = 0
        buffer.withUnsafeBufferPointer { packed in
            for p in parameters {
                p.gradient.withUnsafeMutableBufferPointer { gradient in
                    _ = gradient.update(fromContentsOf: packed[offset ..< offset + gradient.count])
                    offset += gradient.count
                }
            }
        }
        return buffer[offset]
    }
}
