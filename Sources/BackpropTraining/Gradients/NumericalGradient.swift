import BackpropCore

/// §4.4 Numerical gradient by central differences: ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h.
///
/// - x: a tensor of any shape; the result has the same shape.
/// - f: a scalar function of x (a loss). It is called 2·x.count times; x itself is not modified.
/// - h: the step, 1e-4 as the book.
///
/// The book's reference for checking backpropagation (§5.7.3): slow, but hard to get wrong.
/// Use Double: in Float the differences lose most of their digits.
public func numericalGradient<T: TensorScalar>(of f: (Tensor<T>) -> T, at x: Tensor<T>, h: T = 1e-4) -> Tensor<T> {
    var probe = x
    var grad = Tensor<T>.zeros(x.shape)
    for i in 0..<x.count {
        let saved = probe.scalars[i]
        probe.scalars[i] = saved + h
        let fPlus = f(probe)
        probe.scalars[i] = saved - h
        let fMinus = f(probe)
        probe.scalars[i] = saved
        grad.scalars[i] = (fPlus - fMinus) / (2 * h)
    }
    return grad
}
