#!/usr/bin/env bash
# Regenerates Sources/BackpropONNX/onnx.pb.swift from ONNX's onnx.proto3. Run by hand, once per ONNX
# upgrade — never in CI: the generated file is committed, and building the protoc plugin takes minutes.
#
#   scripts/generate_onnx_proto.sh PATH/TO/onnx.proto3 [ONNX_VERSION] [ONNX_COMMIT]
#
# What the committed file was made from: onnx/onnx tag v1.22.0 (commit
# 2bb50465112feca9003e1ed654d77f01ff1415ca), file onnx/onnx.proto3; protoc 3.21.12 (Debian's
# protobuf-compiler); protoc-gen-swift from apple/swift-protobuf 1.39.0, the version Package.swift
# resolves, built from .build/checkouts/swift-protobuf. Types are internal (Visibility=Internal): the
# exporter's public API is ONNXExport alone.
#
# Needs: protoc (`apt-get install protobuf-compiler`) and a resolved package (`swift package resolve`).
set -euo pipefail
cd "$(dirname "$0")/.."

proto=${1:?usage: $0 PATH/TO/onnx.proto3 [ONNX_VERSION] [ONNX_COMMIT]}
version=${2:-v1.22.0}
commit=${3:-2bb50465112feca9003e1ed654d77f01ff1415ca}
command -v protoc >/dev/null || { echo "generate_onnx_proto: protoc is missing (apt-get install protobuf-compiler)" >&2; exit 1; }
[ -d .build/checkouts/swift-protobuf ] || swift package resolve

scratch=${TMPDIR:-/tmp}/protoc-gen-swift-build   # the plugin's own build, outside the package
(cd .build/checkouts/swift-protobuf && swift build -c release --product protoc-gen-swift --scratch-path "$scratch")
plugin="$scratch/release/protoc-gen-swift"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$proto" "$work/onnx.proto3"
protoc --plugin=protoc-gen-swift="$plugin" --proto_path="$work" \
    --swift_opt=Visibility=Internal --swift_out="$work" "$work/onnx.proto3"

out=Sources/BackpropONNX/onnx.pb.swift
{
    echo "// Generated from ONNX's onnx/onnx.proto3, onnx/onnx $version (commit $commit),"
    echo "// by $(protoc --version) with protoc-gen-swift $("$plugin" --version 2>/dev/null | awk '{print $NF}')"
    echo "// (apple/swift-protobuf), Visibility=Internal — see scripts/generate_onnx_proto.sh. Do not edit."
    echo "// onnx.proto3 is © ONNX Project Contributors, Apache-2.0."
    echo
    cat "$work/onnx.pb.swift"
} > "$out"
echo "generate_onnx_proto: wrote $out ($(wc -l < "$out") lines)" >&2
