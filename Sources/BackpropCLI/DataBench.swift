import ArgumentParser
import Backprop
import Foundation

/// `backprop bench data --data DIR`: images decoded per second, PNG and JPEG, on 1 and 2 threads, beside
/// Pillow on the same files when Python has it.
struct DataBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Images of an image folder decoded per second (PNG and JPEG, 1 and 2 threads), beside Pillow.",
        discussion: """
        The files are read into memory first, so only decoding is timed (libpng and libjpeg-turbo, to 8-bit \
        gray or RGB, as `train --data DIR` does). Each figure is the best of --repeat passes over all the \
        files of a format. When `python3 -c 'import PIL'` works, Pillow decodes the same bytes \
        (Image.open(...).load(), one thread) and the ratio is printed.
        """
    )

    @Option(help: "An image folder (DIR/<class>/… or DIR/train/<class>/…).")
    var data: String

    @Option(help: "Passes over the files per figure; the fastest counts.")
    var `repeat` = 3

    func validate() throws {
        if `repeat` < 1 { throw ValidationError("--repeat must be at least 1, got \(`repeat`)") }
    }

    func run() throws {
        try reportingErrors {
            let files = imageFiles(data)
            guard !files.isEmpty else { throw DatasetError.imageFolder(path: data, problem: "holds no .png or .jpg/.jpeg files") }
            for format in ["png", "jpeg"] {
                let chosen = files.filter { format == "png" ? $0.lowercased().hasSuffix(".png") : !$0.lowercased().hasSuffix(".png") }
                guard !chosen.isEmpty else { continue }
                let bytes = try chosen.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
                let rates = try [1, 2].map { try decodeRate(bytes, paths: chosen, threads: $0) }
                var line = String(format: "%@: %d files, %.0f images/s on 1 thread, %.0f on 2 threads (%.2f×)",
                                  format, chosen.count, rates[0], rates[1], rates[1] / rates[0])
                if let pillow = pillowRate(chosen) {
                    line += String(format: "; Pillow %.0f images/s on 1 thread: ours %.2f× Pillow's", pillow, rates[0] / pillow)
                }
                print(line)
            }
        }
    }

    /// The best rate of `repeat` passes decoding every image, shared among `threads` threads.
    private func decodeRate(_ files: [[UInt8]], paths: [String], threads: Int) throws -> Double {
        let saved = Threads.count
        Threads.count = threads
        defer { Threads.count = saved }
        var best = 0.0
        for _ in 0..<`repeat` {
            let failures = FailureCount()
            let start = Date()
            parallelChunks(files.count, grain: 1) { range in
                for i in range where (try? ImageFile.decodePixels(files[i], path: paths[i])) == nil { failures.add() }
            }
            let seconds = Date().timeIntervalSince(start)
            if failures.count > 0 {
                throw DatasetError.imageFolder(path: data, problem: "\(failures.count) image(s) cannot be decoded")
            }
            best = Swift.max(best, Double(files.count) / seconds)
        }
        return best
    }

    /// Pillow's images per second on `paths` (bytes read first, best of `repeat`), or nil without Pillow.
    private func pillowRate(_ paths: [String]) -> Double? {
        let script = """
            import io, sys, time
            from PIL import Image
            blobs = [open(p, 'rb').read() for p in sys.stdin.read().split('\\n') if p]
            best = 0.0
            for _ in range(\(`repeat`)):
                start = time.perf_counter()
                for b in blobs:
                    Image.open(io.BytesIO(b)).load()
                best = max(best, len(blobs) / (time.perf_counter() - start))
            print(best)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        input.fileHandleForWriting.write(Data(paths.joined(separator: "\n").utf8))
        try? input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return Double(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The .png, .jpg and .jpeg files under `folder`, sorted.
    private func imageFiles(_ folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        let extensions: Set<String> = ["png", "jpg", "jpeg"]
        return walker.compactMap { $0 as? String }.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { (folder as NSString).appendingPathComponent($0) }
    }
}

/// Counts decoding failures from several threads.
private final class FailureCount: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    var count: Int { lock.withLock { value } }
    func add() { lock.withLock { value += 1 } }
}
