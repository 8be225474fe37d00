import BackpropCore
import Foundation

/// A file that could not be written. Names the path; `description` is one line for the CLI.
public enum FileWriteError: Error, Equatable, CustomStringConvertible {
    /// `path` cannot be created or replaced: its folder is missing or not a folder, it is itself a
    /// folder, the folder is not writable, or the system refused (`reason`, e.g. "No space left on device").
    case cannotCreate(path: String, reason: String)

    /// The path that could not be written.
    public var path: String {
        switch self {
        case .cannotCreate(let path, _): path
        }
    }

    /// What is wrong, as one phrase.
    public var reason: String {
        switch self {
        case .cannotCreate(_, let reason): reason
        }
    }

    public var description: String { "\(path): cannot write: \(reason)" }
}

/// Checks on a path a file will be written to, made before any work so that a long run is not lost to
/// an output that could never be saved.
public enum OutputPath {
    /// Why a file could not be created at `path` — its folder does not exist or is not a folder, the
    /// path is a folder, or the folder is not writable — or nil when it looks writable.
    public static func problem(_ path: String) -> String? {
        guard !path.isEmpty else { return "the path is empty" }
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if path.hasSuffix("/") || (manager.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue) {
            return "it is a folder, not a file"
        }
        let parent = folder(of: path)
        guard manager.fileExists(atPath: parent, isDirectory: &isFolder) else { return "the folder \(parent) does not exist" }
        guard isFolder.boolValue else { return "\(parent) is not a folder" }
        guard access(parent, W_OK | X_OK) == 0 else { return "the folder \(parent) is not writable" }
        return nil
    }

    /// Throws `FileWriteError.cannotCreate` naming `path` when `problem(path)` finds one.
    public static func check(_ path: String) throws(FileWriteError) {
        if let problem = problem(path) { throw .cannotCreate(path: path, reason: problem) }
    }

    /// The folder `path` is in, as the user wrote it ("." for a bare file name).
    static func folder(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }
}

/// One line for an error a Foundation file call threw: the system's reason (strerror) when there is
/// one, never NSError's "The operation could not be completed" text. With the `path` that was being
/// read or written, a folder there is named as such (Foundation reports it as an unknown error).
public func fileErrorReason(_ error: any Error, path: String? = nil) -> String {
    var isFolder: ObjCBool = false
    if let path, FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        return "it is a folder, not a file"
    }
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    guard ns.domain == NSCocoaErrorDomain else { return "\(error)" }
    switch CocoaError.Code(rawValue: ns.code) {
    case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
    case .fileReadNoPermission, .fileWriteNoPermission: return String(cString: strerror(EACCES))
    case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
    case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
    case .fileReadTooLarge: return "the file is too large to read"
    case .fileWriteFileExists: return String(cString: strerror(EEXIST))
    default: return "the system refused (error \(ns.code))"
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so that readers
/// never see a half-written file, even if we crash. Throws `FileWriteError` naming `path` with the
/// problem (`OutputPath.problem`, else the system's reason); the temporary file is removed then.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
    let name = (path as NSString).lastPathComponent
    let temporary = (OutputPath.folder(of: path) as NSString)
        .appendingPathComponent(".\(name).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    func failure(_ code: Int32) -> FileWriteError {
        let reason = OutputPath.problem(path) ?? String(cString: strerror(code))
        unlink(temporary)
        return .cannotCreate(path: path, reason: reason)
    }
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else { throw failure(errno) }
    var written = 0
    let code: Int32 = bytes.withUnsafeBytes { buffer in
        while written < buffer.count {
            let n = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            written += n
        }
        return 0
    }
    // close(2) reports delayed write errors (e.g. a full disk on a network file system).
    let closed = close(descriptor) == 0 ? 0 : errno
    if code != 0 { throw failure(code) }
    if closed != 0 { throw failure(closed) }
    // rename(2) replaces an existing file atomically; readers see the old file or the new one.
    guard rename(temporary, path) == 0 else { throw failure(errno) }
}
