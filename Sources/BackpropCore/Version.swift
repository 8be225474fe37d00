/// The library's version, printed by `backprop --version`.
public let backpropVersion = "0.1.0"
