/// How big a network a spec describes, computed from the spec alone — before anything is allocated —
/// so that sizes from outside (command-line flags, a checkpoint's metadata) can be refused first.
extension NetworkSpec {
    /// The number of trainable scalars (weights, biases, batch-norm γ and β) a network built from this
    /// spec holds, or nil when the count does not fit in an `Int` (the product or the sum overflows).
    /// Batch-norm running statistics are not counted (they are not trained).
    public var parameterCount: Int? {
        var total = 0
        for (name, shape) in tensorShapes where !name.hasPrefix("running_") {
            guard let count = Self.elementCount(shape) else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(count)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    /// The product of `shape`'s extents, or nil when it overflows `Int` (or an extent is negative).
    public static func elementCount(_ shape: [Int]) -> Int? {
        var product = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            product = next
        }
        return product
    }
}
