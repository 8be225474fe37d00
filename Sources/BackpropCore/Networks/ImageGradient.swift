/// ∂L/∂out of a convolution, handed over image by image by the layers after it (a Relu, or a Relu and a
/// max Pooling), for a convolution whose backward reads dout one image at a time: each image's block is
/// computed just before the convolution reads it, while it stays in the core's cache, instead of the
/// whole (N, FN, OH, OW) dout going out to memory and back (Networks/LayerFusion.swift).
///
/// `write(n, into:)` writes image n's (FN, OH, OW) block — exactly the elements the layers' own backward
/// would give for that image (the same kernels on the same elements: bit for bit, LayerFusionTests).
package struct ImageGradient<Scalar: TensorScalar> {
    /// (N, FN, OH, OW): the shape the whole dout would have.
    package let shape: [Int]
    /// Writes image n's block (`shape[1...]` elements) at the pointer.
    package let write: (Int, UnsafeMutablePointer<Scalar>) -> Void

    /// Elements of one image's block.
    package var imageSize: Int { shape.dropFirst().reduce(1, *) }
}

extension Relu {
    /// `backward(dout)` image by image: dout with the masked elements set to +0.
    package func imageGradient(_ dout: Tensor<Scalar>) -> ImageGradient<Scalar> {
        guard let mask else { preconditionFailure("Relu.backward called before forward") }
        checkGradientShape(dout.shape, mask.shape, "Relu")
        let size = dout.shape.dropFirst().reduce(1, *)
        return ImageGradient(shape: dout.shape) { n, dx in
            dout.withUnsafeBufferPointer { d in
                mask.withUnsafeBufferPointer { m in
                    zeroWhereMasked(d.baseAddress! + n * size, m.baseAddress! + n * size, dx, size)
                }
            }
        }
    }
}
