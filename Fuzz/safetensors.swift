// Fuzz target: safetensors files as checkpoints (Checkpoint.parse: header, tensors, metadata, the
// architecture), then the network they describe built and run on one input.
import Backprop

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = bytes(data, size)
    guard let file = try? SafetensorsFile.parse(input, path: "fuzz") else { return 0 }
    _ = file.encoded()
    guard let contents = try? Checkpoint.parse(input, path: "fuzz"),
          let network: Network<Float> = try? contents.makeNetwork() else { return 0 }
    let spec = contents.spec
    let x = Tensor<Float>.zeros(spec.kind.isConvolutional ? [1] + spec.imageShape : [1, spec.inputSize])
    let y = network.predict(x)
    precondition(y.shape == [1, spec.outputSize])
    return 0
}
