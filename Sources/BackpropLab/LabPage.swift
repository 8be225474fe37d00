import Foundation

/// The page: lab.html with lab.css and lab.js inlined, all three embedded in the binary at build time
/// (`.embedInCode`), so an installed `backprop` needs no files beside it and the page needs no CDN.
enum LabPage {
    static let html: Data = {
        let page = String(decoding: PackageResources.lab_html, as: UTF8.self)
            .replacingOccurrences(of: "/*LAB_CSS*/", with: String(decoding: PackageResources.lab_css, as: UTF8.self))
            .replacingOccurrences(of: "/*LAB_JS*/", with: String(decoding: PackageResources.lab_js, as: UTF8.self))
        return Data(page.utf8)
    }()
}
