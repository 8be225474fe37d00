import BackpropCore

/// A rule that updates a network's parameters from their gradients (§6.1): the book's `optimizer.update(params,
/// grads)`, where each `Parameter` carries both its value and its gradient.
///
/// Optimizers are classes because they keep state between updates — a velocity, a sum of squared gradients,
/// moment estimates — one set of buffers per parameter, created as zeros of the parameter's shape the first time
/// the parameter is updated (the book's `if self.v is None: … np.zeros_like(val)`). State is keyed by the
/// parameter object, so pass the same `Parameter` instances on every call.
///
/// Each update runs one fused kernel pass per parameter (`TensorScalar.applyUpdate`), in place, allocating
/// nothing once the state exists.
///
///     let optimizer = Adam<Float>()
///     for _ in 0..<steps {
///         network.gradient(x, t)                       // fills every parameter's `gradient`
///         optimizer.update(network.parameters)
///     }
public protocol Optimizer<Scalar>: AnyObject {
    /// The element type of the parameters it updates.
    associatedtype Scalar: TensorScalar

    /// The number of `update` calls so far (the book's `self.iter`; Adam's bias correction uses it).
    /// Settable so a checkpoint can restore it together with `stateTensors(for:)`.
    var step: Int { get set }

    /// The learning rate η of the next `update` (settable between updates, e.g. by a schedule).
    var learningRate: Double { get set }

    /// Updates every parameter's `value` in place from its `gradient` (same shape; stops if they differ)
    /// and adds one to `step`.
    func update(_ parameters: [Parameter<Scalar>])

    /// The optimizer's state for `parameter`, by the book's names — `["v": …]` for Momentum and Nesterov,
    /// `["h": …]` for AdaGrad and RMSprop, `["m": …, "v": …]` for Adam — each of the parameter's shape;
    /// `[:]` for SGD, which keeps none, and for a parameter not updated yet. For checkpoints.
    func stateTensors(for parameter: Parameter<Scalar>) -> [String: Tensor<Scalar>]

    /// Restores the state `stateTensors(for:)` returned, so that continuing gives the same results as the
    /// optimizer it came from. `[:]` forgets the parameter's state (it starts from zeros on its next update).
    /// Throws `OptimizerStateError` if a key is missing or unknown or a tensor's shape differs from the
    /// parameter's; the optimizer is unchanged then.
    func setStateTensors(_ state: [String: Tensor<Scalar>], for parameter: Parameter<Scalar>) throws
}

/// Why `Optimizer.setStateTensors(_:for:)` refused a state. Every case names the parameter; `description`
/// is one line for the CLI to print.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// The optimizer needs `key` (one of `expected`) but the state has no tensor under it.
    case missingKey(parameter: String, key: String, expected: [String])
    /// The state has a tensor under `key`, which the optimizer does not keep (it keeps `expected`).
    case unknownKey(parameter: String, key: String, expected: [String])
    /// The tensor under `key` has shape `found`, not the parameter's shape `expected`.
    case shapeMismatch(parameter: String, key: String, expected: [Int], found: [Int])

    /// One line naming the parameter and the problem.
    public var description: String {
        switch self {
        case .missingKey(let parameter, let key, let expected):
            "optimizer state for \(parameter): missing \"\(key)\" (expected keys \(expected))"
        case .unknownKey(let parameter, let key, let expected):
            "optimizer state for \(parameter): unknown key \"\(key)\" (expected keys \(expected))"
        case .shapeMismatch(let parameter, let key, let expected, let found):
            "optimizer state for \(parameter): \"\(key)\" has shape \(found) but the parameter has shape \(expected)"
        }
    }
}

/// The per-parameter state buffers of one optimizer and the single place that runs the update kernel:
/// the machinery every optimizer class shares.
///
/// Buffers are keyed by `ObjectIdentifier(parameter)`; each slot also holds a weak reference to its
/// parameter, so a new parameter that happens to reuse a freed one's address starts from fresh zeros.
final class OptimizerStateStore<Scalar: TensorScalar> {
    /// The state buffers of one parameter: `state1` and, for two-buffer rules (Adam), `state2`.
    final class Slot {
        weak var owner: Parameter<Scalar>?
        var state1: Tensor<Scalar>
        var state2: Tensor<Scalar>?

        init(owner: Parameter<Scalar>, state1: Tensor<Scalar>, state2: Tensor<Scalar>?) {
            self.owner = owner
            self.state1 = state1
            self.state2 = state2
        }
    }

    /// The book's names of the state buffers, in kernel order (state1, state2); empty for SGD.
    let keys: [String]
    private var slots: [ObjectIdentifier: Slot] = [:]

    init(keys: [String]) {
        precondition(keys.count <= 2, "OptimizerStateStore: at most two state buffers, got \(keys)")
        self.keys = keys
    }

    /// Applies `rule` to each parameter: one `Scalar.applyUpdate` call per parameter over its value,
    /// gradient and state buffers.
    func apply(_ rule: UpdateRule, to parameters: [Parameter<Scalar>]) {
        precondition(rule.stateCount == keys.count,
                     "optimizer: rule \(rule) needs \(rule.stateCount) state buffer(s), the optimizer keeps \(keys)")
        for parameter in parameters {
            precondition(parameter.gradient.shape == parameter.value.shape,
                         "optimizer: gradient of \(parameter.name) has shape \(parameter.gradient.shape) "
                         + "but its value has shape \(parameter.value.shape)")
            let count = parameter.value.count
            guard let slot = slot(for: parameter) else {
                // No state (SGD).
                if count > 0 { run(rule, parameter, count, nil, nil) }
                continue
            }
            precondition(slot.state1.shape == parameter.value.shape,
                         "optimizer: state of \(parameter.name) has shape \(slot.state1.shape) "
                         + "but its value now has shape \(parameter.value.shape)")
            guard count > 0 else { continue }
            slot.state1.withUnsafeMutableBufferPointer { s1 in
                if slot.state2 != nil {
                    slot.state2!.withUnsafeMutableBufferPointer { s2 in
                        run(rule, parameter, count, s1.baseAddress, s2.baseAddress)
                    }
                } else {
                    run(rule, parameter, count, s1.baseAddress, nil)
                }
            }
        }
    }

    /// The kernel call itself, with the parameter's value (written) and gradient (read); a parameter of
    /// at least 2 · `updateGrain` elements (TwoLayerNet's 39 200-weight first layer and up) is split into
    /// contiguous ranges, one per thread. Every element is updated alone, so the result is the same at
    /// any thread count.
    @inline(__always)
    private func run(_ rule: UpdateRule, _ parameter: Parameter<Scalar>, _ count: Int,
                     _ s1: UnsafeMutablePointer<Scalar>?, _ s2: UnsafeMutablePointer<Scalar>?) {
        parameter.gradient.withUnsafeBufferPointer { g in
            parameter.value.withUnsafeMutableBufferPointer { p in
                let (p, g) = (p.baseAddress!, g.baseAddress!)
                parallelChunks(count, grain: Self.updateGrain) { range in
                    let i = range.lowerBound
                    Scalar.applyUpdate(rule, p + i, g + i, s1.map { $0 + i }, s2.map { $0 + i }, count: range.count)
                }
            }
        }
    }

    /// Elements per thread at least when an update is shared among threads. 2¹⁶ kept TwoLayerNet's and the
    /// MLP's first layers on one thread; at 2¹⁴ their steps on 2 threads took 0.91–0.96× the time
    /// (alternating in blocks of 10 steps, three runs each, float32 and float64; the CNNs 0.97–1.00×).
    static var updateGrain: Int { 1 << 14 }

    /// The parameter's slot, created as zeros of its shape on first use; nil if the rule keeps no state.
    private func slot(for parameter: Parameter<Scalar>) -> Slot? {
        guard !keys.isEmpty else { return nil }
        let id = ObjectIdentifier(parameter)
        if let slot = slots[id], slot.owner === parameter { return slot }
        let shape = parameter.value.shape
        let slot = Slot(owner: parameter, state1: .zeros(shape), state2: keys.count == 2 ? .zeros(shape) : nil)
        insert(slot, id)
        return slot
    }

    /// Stores a new slot, first dropping the slots of parameters that no longer exist.
    private func insert(_ slot: Slot, _ id: ObjectIdentifier) {
        slots = slots.filter { $0.value.owner != nil }
        slots[id] = slot
    }

    /// The state of `parameter` by name; `[:]` if there is none yet.
    func tensors(for parameter: Parameter<Scalar>) -> [String: Tensor<Scalar>] {
        guard let slot = slots[ObjectIdentifier(parameter)], slot.owner === parameter else { return [:] }
        var result = [keys[0]: slot.state1]
        if keys.count == 2, let state2 = slot.state2 { result[keys[1]] = state2 }
        return result
    }

    /// Replaces the state of `parameter` after checking the keys and shapes; `[:]` removes it.
    func setTensors(_ state: [String: Tensor<Scalar>], for parameter: Parameter<Scalar>) throws {
        let id = ObjectIdentifier(parameter)
        if state.isEmpty {
            slots[id] = nil
            return
        }
        for key in state.keys.sorted() where !keys.contains(key) {
            throw OptimizerStateError.unknownKey(parameter: parameter.name, key: key, expected: keys)
        }
        var tensors: [Tensor<Scalar>] = []
        for key in keys {
            guard let tensor = state[key] else {
                throw OptimizerStateError.missingKey(parameter: parameter.name, key: key, expected: keys)
            }
            guard tensor.shape == parameter.value.shape else {
                throw OptimizerStateError.shapeMismatch(parameter: parameter.name, key: key,
                                                        expected: parameter.value.shape, found: tensor.shape)
            }
            tensors.append(tensor)
        }
        insert(Slot(owner: parameter, state1: tensors[0], state2: tensors.count == 2 ? tensors[1] : nil), id)
    }
}
