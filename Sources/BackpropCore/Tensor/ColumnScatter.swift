// Writing one element per row of a matrix at a column given per row: NumPy's
// `a[np.arange(rows), columns] = values`, which the book's Pooling.backward uses to route each dout to
// the maximum of its window (`dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()`).

extension Tensor {
    /// Sets element (i, columns[i]) of this (rows, width) matrix to values[i], for every row i: NumPy's
    /// `a[np.arange(rows), columns] = values`. The other elements stay as they are.
    ///
    /// Stops unless the tensor is 2-d, columns and values hold one element per row (any shape), and every
    /// column is in 0..<width.
    public mutating func scatter(_ values: Tensor, atColumns columns: Tensor<Int>) {
        precondition(rank == 2, "scatter(_:atColumns:): the tensor must be 2-d (rows, width), got shape \(shape)")
        let rows = shape[0], width = shape[1]
        precondition(columns.count == rows && values.count == rows,
                     "scatter(_:atColumns:): a (\(rows), \(width)) matrix needs \(rows) columns and values, "
                     + "got columns of shape \(columns.shape) and values of shape \(values.shape)")
        for (i, column) in columns.scalars.enumerated() {
            precondition(column >= 0 && column < width,
                         "scatter(_:atColumns:): column \(column) of row \(i) is out of range for width \(width)")
            scalars[i * width + column] = values.scalars[i]
        }
    }

    /// A copy with element (i, columns[i]) set to values[i] for every row i (see `scatter(_:atColumns:)`).
    public func scattered(_ values: Tensor, atColumns columns: Tensor<Int>) -> Tensor {
        var result = self
        result.scatter(values, atColumns: columns)
        return result
    }
}
