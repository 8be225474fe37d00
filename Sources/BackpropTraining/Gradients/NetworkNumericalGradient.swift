import BackpropCore

extension Network {
    /// ∂L/∂p for every parameter by central differences (§4.4, h = 1e-4), keyed by name; the
    /// parameters are left as they were. Slow (two losses per scalar); meant for gradient checks.
    /// Uses training mode as the book's `gradient`, so a Dropout layer must have a fixed mask to agree.
    public func numericalGradient(_ x: Tensor<Scalar>, _ t: Tensor<Scalar>, h: Scalar = 1e-4) -> [String: Tensor<Scalar>] {
        var result: [String: Tensor<Scalar>] = [:]
        for p in parameters {
            let original = p.value
            result[p.name] = BackpropTraining.numericalGradient(of: { value in
                p.value = value
                return self.loss(x, t, training: true)
            }, at: original, h: h)
            p.value = original
        }
        return result
    }
}
