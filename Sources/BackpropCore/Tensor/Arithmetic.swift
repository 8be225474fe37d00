// Elementwise arithmetic with NumPy broadcasting. The tensor-tensor forms are `@_disfavoredOverload`
// so that `x + 2` picks the scalar form instead of being ambiguous with a 0-d tensor literal.
// Every operator here checks shapes, then makes one
// kernel call per contiguous block (see `BroadcastPlan`).

extension Tensor where Scalar: TensorScalar {
    /// op(a, b) elementwise after broadcasting. Stops with both shapes named if they don't broadcast.
    public static func elementwise(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = a.shape == b.shape ? a.shape : broadcastShape(a.shape, b.shape, operation: "\(op)")
        let plan = BroadcastPlan(shape: shape, aStrides: broadcastStrides(a.shape, to: shape),
                                 bStrides: broadcastStrides(b.shape, to: shape))
        return Tensor(shape: shape) { out in
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    run(op, plan, pa.baseAddress!, pb.baseAddress!, out.baseAddress!)
                }
            }
        }
    }

    /// Runs a binary kernel over a plan; one long contiguous block is split across threads.
    private static func run(_ op: BinaryOp, _ plan: BroadcastPlan, _ a: UnsafePointer<Scalar>,
                            _ b: UnsafePointer<Scalar>, _ out: UnsafeMutablePointer<Scalar>) {
        if plan.dims.count == 1 {
            let (sa, sb) = (plan.aStrides[0], plan.bStrides[0])
            parallelChunks(plan.dims[0]) { r in
                let loop = Loop2D(outer: 1, inner: r.count, aOuter: 0, aInner: sa, bOuter: 0, bInner: sb)
                Scalar.applyBinary(op, a + r.lowerBound * sa, b + r.lowerBound * sb, out + r.lowerBound, loop)
            }
            return
        }
        plan.forEachBlock { ao, bo, oo, loop in
            Scalar.applyBinary(op, a + ao, b + bo, out + oo, loop)
        }
    }

    /// a = op(a, b) in place; b must broadcast to a's shape (NumPy's rule for `a += b`).
    public static func elementwiseInPlace(_ op: BinaryOp, _ a: inout Tensor, _ b: Tensor) {
        if a.shape != b.shape {
            let shape = broadcastShape(a.shape, b.shape, operation: "\(op) in place")
            precondition(shape == a.shape,
                         "\(op) in place: shape \(b.shape) cannot be broadcast into the target's shape \(a.shape)")
        }
        let plan = BroadcastPlan(shape: a.shape, aStrides: contiguousStrides(a.shape),
                                 bStrides: broadcastStrides(b.shape, to: a.shape))
        if a.count == 0 { return }
        b.scalars.withUnsafeBufferPointer { pb in
            a.scalars.withUnsafeMutableBufferPointer { pa in
                run(op, plan, pa.baseAddress!, pb.baseAddress!, pa.baseAddress!)
            }
        }
    }

    /// f(x) for every element, in one kernel call.
    public func applying(_ op: UnaryOp) -> Tensor {
        Tensor(shape: shape) { out in
            scalars.withUnsafeBufferPointer { x in
                let (px, po) = (x.baseAddress!, out.baseAddress!)
                parallelChunks(x.count) { r in
                    Scalar.applyUnary(op, px + r.lowerBound, po + r.lowerBound, count: r.count)
                }
            }
        }
    }

    /// x = f(x) for every element, in place.
    public mutating func apply(_ op: UnaryOp) {
        if count == 0 { return }
        scalars.withUnsafeMutableBufferPointer { x in
            let p = x.baseAddress!
            parallelChunks(x.count) { r in
                Scalar.applyUnary(op, p + r.lowerBound, p + r.lowerBound, count: r.count)
            }
        }
    }

    /// a + b elementwise; the shapes broadcast together as NumPy's (result of the broadcast shape), else it stops naming both.
    @_disfavoredOverload public static func + (a: Tensor, b: Tensor) -> Tensor { elementwise(.add, a, b) }
    /// a − b elementwise; the shapes broadcast together as NumPy's (result of the broadcast shape), else it stops naming both.
    @_disfavoredOverload public static func - (a: Tensor, b: Tensor) -> Tensor { elementwise(.subtract, a, b) }
    /// a · b elementwise (not a matrix product: see `matmul`); the shapes broadcast together as NumPy's, else it stops.
    @_disfavoredOverload public static func * (a: Tensor, b: Tensor) -> Tensor { elementwise(.multiply, a, b) }
    /// a / b elementwise (IEEE: x / 0 is ±inf or NaN); the shapes broadcast together as NumPy's, else it stops.
    @_disfavoredOverload public static func / (a: Tensor, b: Tensor) -> Tensor { elementwise(.divide, a, b) }

    /// a + b for every element of a; the result has a's shape.
    public static func + (a: Tensor, b: Scalar) -> Tensor { elementwise(.add, a, Tensor(b)) }
    /// a − b for every element of a; the result has a's shape.
    public static func - (a: Tensor, b: Scalar) -> Tensor { elementwise(.subtract, a, Tensor(b)) }
    /// a · b for every element of a; the result has a's shape.
    public static func * (a: Tensor, b: Scalar) -> Tensor { elementwise(.multiply, a, Tensor(b)) }
    /// a / b for every element of a; the result has a's shape.
    public static func / (a: Tensor, b: Scalar) -> Tensor { elementwise(.divide, a, Tensor(b)) }

    /// a + b for every element of b; the result has b's shape.
    public static func + (a: Scalar, b: Tensor) -> Tensor { elementwise(.add, Tensor(a), b) }
    /// a − b for every element of b (e.g. `1 - y`); the result has b's shape.
    public static func - (a: Scalar, b: Tensor) -> Tensor { elementwise(.subtract, Tensor(a), b) }
    /// a · b for every element of b; the result has b's shape.
    public static func * (a: Scalar, b: Tensor) -> Tensor { elementwise(.multiply, Tensor(a), b) }
    /// a / b for every element of b (e.g. `1 / x`); the result has b's shape.
    public static func / (a: Scalar, b: Tensor) -> Tensor { elementwise(.divide, Tensor(a), b) }

    /// a = a + b in place; b must broadcast to a's shape (a's shape never changes), else it stops naming both.
    @_disfavoredOverload public static func += (a: inout Tensor, b: Tensor) { elementwiseInPlace(.add, &a, b) }
    /// a = a − b in place; b must broadcast to a's shape (a's shape never changes), else it stops naming both.
    @_disfavoredOverload public static func -= (a: inout Tensor, b: Tensor) { elementwiseInPlace(.subtract, &a, b) }
    /// a = a · b elementwise in place; b must broadcast to a's shape (a's shape never changes), else it stops naming both.
    @_disfavoredOverload public static func *= (a: inout Tensor, b: Tensor) { elementwiseInPlace(.multiply, &a, b) }
    /// a = a / b elementwise in place; b must broadcast to a's shape (a's shape never changes), else it stops naming both.
    @_disfavoredOverload public static func /= (a: inout Tensor, b: Tensor) { elementwiseInPlace(.divide, &a, b) }

    /// a = a + b for every element of a, in place.
    public static func += (a: inout Tensor, b: Scalar) { elementwiseInPlace(.add, &a, Tensor(b)) }
    /// a = a − b for every element of a, in place.
    public static func -= (a: inout Tensor, b: Scalar) { elementwiseInPlace(.subtract, &a, Tensor(b)) }
    /// a = a · b for every element of a, in place.
    public static func *= (a: inout Tensor, b: Scalar) { elementwiseInPlace(.multiply, &a, Tensor(b)) }
    /// a = a / b for every element of a, in place.
    public static func /= (a: inout Tensor, b: Scalar) { elementwiseInPlace(.divide, &a, Tensor(b)) }

    /// −x elementwise, of x's shape.
    public static prefix func - (x: Tensor) -> Tensor { x.applying(.negate) }

    /// Elementwise maximum after broadcasting (NumPy's `maximum`; NaN wins).
    @_disfavoredOverload
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { elementwise(.maximum, a, b) }
    /// Elementwise minimum after broadcasting (NumPy's `minimum`; NaN wins).
    @_disfavoredOverload
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { elementwise(.minimum, a, b) }
    /// max(x, value) elementwise, e.g. `Tensor.maximum(x, 0)` is ReLU.
    public static func maximum(_ a: Tensor, _ value: Scalar) -> Tensor { elementwise(.maximum, a, Tensor(value)) }
    /// min(x, value) elementwise.
    public static func minimum(_ a: Tensor, _ value: Scalar) -> Tensor { elementwise(.minimum, a, Tensor(value)) }

    /// Every element limited to [lower, upper] (NumPy's `clip`).
    public func clipped(min lower: Scalar, max upper: Scalar) -> Tensor {
        precondition(lower <= upper, "clipped(min:max:): min \(lower) is greater than max \(upper)")
        return .minimum(.maximum(self, lower), upper)
    }

    /// Square of every element.
    public func squared() -> Tensor { applying(.square) }
}

/// e^x elementwise.
public func exp<T: TensorScalar>(_ x: Tensor<T>) -> Tensor<T> { x.applying(.exp) }
/// Natural logarithm elementwise (NaN below 0, -inf at 0, as NumPy).
public func log<T: TensorScalar>(_ x: Tensor<T>) -> Tensor<T> { x.applying(.log) }
/// Square root elementwise.
public func sqrt<T: TensorScalar>(_ x: Tensor<T>) -> Tensor<T> { x.applying(.sqrt) }
/// Hyperbolic tangent elementwise.
public func tanh<T: TensorScalar>(_ x: Tensor<T>) -> Tensor<T> { x.applying(.tanh) }
/// Absolute value elementwise.
public func abs<T: TensorScalar>(_ x: Tensor<T>) -> Tensor<T> { x.applying(.abs) }

// MARK: - Comparisons and selection

infix operator .<: ComparisonPrecedence
infix operator .<=: ComparisonPrecedence
infix operator .>: ComparisonPrecedence
infix operator .>=: ComparisonPrecedence
infix operator .==: ComparisonPrecedence
infix operator .!=: ComparisonPrecedence

extension Tensor where Scalar: TensorScalar {
    /// A mask of op(a, b) elementwise after broadcasting.
    public static func compare(_ op: ComparisonOp, _ a: Tensor, _ b: Tensor) -> Tensor<Bool> {
        let shape = a.shape == b.shape ? a.shape : broadcastShape(a.shape, b.shape, operation: "\(op)")
        let plan = BroadcastPlan(shape: shape, aStrides: broadcastStrides(a.shape, to: shape),
                                 bStrides: broadcastStrides(b.shape, to: shape))
        return Tensor<Bool>(shape: shape) { out in
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    plan.forEachBlock { ao, bo, oo, loop in
                        Scalar.applyComparison(op, pa.baseAddress! + ao, pb.baseAddress! + bo,
                                               out.baseAddress! + oo, loop)
                    }
                }
            }
        }
    }

    /// The mask a < b elementwise, of the shapes' broadcast shape (NumPy's rule), else it stops naming both.
    @_disfavoredOverload public static func .< (a: Tensor, b: Tensor) -> Tensor<Bool> { compare(.less, a, b) }
    /// The mask a ≤ b elementwise, of the shapes' broadcast shape (NumPy's rule), else it stops naming both.
    @_disfavoredOverload public static func .<= (a: Tensor, b: Tensor) -> Tensor<Bool> { compare(.lessOrEqual, a, b) }
    /// The mask a > b elementwise, of the shapes' broadcast shape (NumPy's rule), else it stops naming both.
    @_disfavoredOverload public static func .> (a: Tensor, b: Tensor) -> Tensor<Bool> { compare(.greater, a, b) }
    /// The mask a ≥ b elementwise, of the shapes' broadcast shape (NumPy's rule), else it stops naming both.
    @_disfavoredOverload public static func .>= (a: Tensor, b: Tensor) -> Tensor<Bool> { compare(.greaterOrEqual, a, b) }
    /// The mask a == b elementwise, of the shapes' broadcast shape (NumPy's rule), else it stops naming both.
    @_disfavoredOverload public static func .== (a: Tensor, b: Tensor) -> Tensor<Bool> { compare(.equal, a, b) }
    /// The mask a ≠ b elementwise, of the shapes' broadcast shape (NumPy's rule), else it stops naming both.
    @_disfavoredOverload public static func .!= (a: Tensor, b: Tensor) -> Tensor<Bool> { compare(.notEqual, a, b) }

    /// The mask a < b for every element of a, of a's shape (e.g. `x .< 0`).
    public static func .< (a: Tensor, b: Scalar) -> Tensor<Bool> { compare(.less, a, Tensor(b)) }
    /// The mask a ≤ b for every element of a, of a's shape (e.g. `x .<= 0`, ReLU's mask).
    public static func .<= (a: Tensor, b: Scalar) -> Tensor<Bool> { compare(.lessOrEqual, a, Tensor(b)) }
    /// The mask a > b for every element of a, of a's shape (e.g. `x .> 0`).
    public static func .> (a: Tensor, b: Scalar) -> Tensor<Bool> { compare(.greater, a, Tensor(b)) }
    /// The mask a ≥ b for every element of a, of a's shape.
    public static func .>= (a: Tensor, b: Scalar) -> Tensor<Bool> { compare(.greaterOrEqual, a, Tensor(b)) }
    /// The mask a == b for every element of a, of a's shape.
    public static func .== (a: Tensor, b: Scalar) -> Tensor<Bool> { compare(.equal, a, Tensor(b)) }
    /// The mask a ≠ b for every element of a, of a's shape.
    public static func .!= (a: Tensor, b: Scalar) -> Tensor<Bool> { compare(.notEqual, a, Tensor(b)) }

    /// NumPy's `where(mask, a, b)`: a where the mask is true, b elsewhere; all three broadcast together.
    @_disfavoredOverload
    public static func `where`(_ mask: Tensor<Bool>, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShape(broadcastShape(mask.shape, a.shape, operation: "where"), b.shape,
                                   operation: "where")
        let m = mask.broadcasted(to: shape), x = a.broadcasted(to: shape), y = b.broadcasted(to: shape)
        return Tensor(shape: shape) { out in
            m.scalars.withUnsafeBufferPointer { pm in
                x.scalars.withUnsafeBufferPointer { px in
                    y.scalars.withUnsafeBufferPointer { py in
                        Scalar.select(pm.baseAddress!, px.baseAddress!, py.baseAddress!, out.baseAddress!,
                                      count: out.count)
                    }
                }
            }
        }
    }

    /// `where(mask, value, b)` with a scalar for the selected positions (e.g. zeroing by a mask).
    public static func `where`(_ mask: Tensor<Bool>, _ value: Scalar, _ b: Tensor) -> Tensor {
        .where(mask, Tensor(value), b)
    }

    /// `where(mask, a, value)` with a scalar for the positions not selected (e.g. keeping by a mask).
    public static func `where`(_ mask: Tensor<Bool>, _ a: Tensor, _ value: Scalar) -> Tensor {
        .where(mask, a, Tensor(value))
    }
}

extension Tensor where Scalar == Bool {
    /// The number of true elements.
    public var trueCount: Int { scalars.reduce(0) { $0 + ($1 ? 1 : 0) } }
    /// Elementwise negation of a mask.
    public static prefix func ! (mask: Tensor) -> Tensor { mask.map { !$0 } }
}
