import Backprop
import Foundation

/// A scalar type an ONNX graph can be exported in: Float as ONNX `FLOAT` (float32), Double as `DOUBLE`.
protocol ONNXElement: TensorScalar {
    /// The ONNX element type of tensors of this scalar.
    static var onnxDataType: Onnx_TensorProto.DataType { get }
    /// The values' IEEE 754 bit patterns in little-endian order, as ONNX's `raw_data` stores them.
    static func littleEndianBytes(_ values: [Self]) -> Data
}

extension Float: ONNXElement {
    static var onnxDataType: Onnx_TensorProto.DataType { .float }

    static func littleEndianBytes(_ values: [Float]) -> Data {
        values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
    }
}

extension Double: ONNXElement {
    static var onnxDataType: Onnx_TensorProto.DataType { .double }

    static func littleEndianBytes(_ values: [Double]) -> Data {
        values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
    }
}
