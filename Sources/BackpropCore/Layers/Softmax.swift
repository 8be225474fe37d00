/// §3.5.2 Softmax over the last axis: yₖ = exp(aₖ − max a) / Σᵢ exp(aᵢ − max a).
///
/// Subtracting the maximum (the book's overflow countermeasure) leaves the result unchanged and keeps
/// every exp ≤ 1, so logits of any finite size give finite probabilities that sum to 1.
///
/// - x: (C,) for one vector, or (…, C) for rows — each row along the last axis is normalised separately.
/// - Returns a tensor of x's shape. Stops on a 0-d tensor or an empty last axis.
public func softmax<T: TensorScalar>(_ x: Tensor<T>) -> Tensor<T> {
    precondition(x.rank >= 1 && x.shape[x.rank - 1] > 0,
                 "softmax: x needs a non-empty last axis, got shape \(x.shape)")
    let e = exp(x - x.max(axis: -1, keepDims: true))   // §3.5.2: exp(a − C′) with C′ = max a
    return e / e.sum(axis: -1, keepDims: true)
}
