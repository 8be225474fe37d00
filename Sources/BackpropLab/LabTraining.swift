import Backprop

/// The training job a lab offers on its page (one per lab): a `Trainer` set up as `backprop train` sets
/// one up, and how to save it. Without one the lab shows only chapter 5's graphs.
public struct LabTraining: Sendable {
    let makeJob: @Sendable () -> any TrainingControl

    /// `trainer` (not yet run by anyone else: from now on the lab's training thread owns it), under
    /// `title`; the page's save button calls `save(trainer, checkpointPath)`, which must write atomically
    /// (`Checkpoint.save` does).
    public init<Scalar: TensorScalar>(trainer: Trainer<Scalar>, title: String, checkpointPath: String,
                                      save: @escaping (Trainer<Scalar>, String) throws -> Void) {
        let box = UncheckedBox((trainer, save))
        makeJob = { TrainingJob(trainer: box.value.0, title: title, checkpointPath: checkpointPath, save: box.value.1) }
    }
}

/// Hands a value that is not `Sendable` to the one place that will use it.
private final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
