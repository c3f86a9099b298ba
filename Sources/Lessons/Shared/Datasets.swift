import Foundation
import LessonKit
import NeuroModel

/// The datasets lessons 6 and 7 train on (the values of their `dataset` parameter).
enum DatasetName: String, CaseIterable {
    case auto
    case fashionMNIST = "fashion-mnist"
    case mnist, cifar10
    case yinYang = "yin-yang"
}

/// The `dataset` and `data_dir` parameters of lessons 6 and 7, read once.
struct DatasetRequest {
    let dataset: DatasetName
    /// nil for `none` (the Debian package's folder, where there is one)
    let dataDir: String?

    init(_ p: ParameterValues) throws {
        dataset = try p.choice("dataset", as: DatasetName.init(rawValue:))
        dataDir = p.string("data_dir") == "none" ? nil : p.string("data_dir")
    }
}

/// What `dataset` resolves to here, for `lesson params`: for `auto`, the data a run would load (without
/// loading it).
@Sendable func datasetNotes(_ values: ParameterValues) -> [String: String] {
    guard let request = try? DatasetRequest(values), request.dataset == .auto else { return [:] }
    if let dir = request.dataDir { return ["dataset": "auto finds the IDX files in \(dir), named by their labels"] }
    let installed = (try? FileManager.default.contentsOfDirectory(atPath: fashionMNISTSystemDirectory)) ?? []
    if !installed.isEmpty { return ["dataset": "auto finds Fashion-MNIST in \(fashionMNISTSystemDirectory)"] }
    return [
        "dataset": "auto finds no Fashion-MNIST (apt-get install dataset-fashion-mnist) and uses Yin-Yang"
    ]
}

/// The data of one run: the name used in checks, records and figures, and whether it is an image
/// dataset on which the 1.5-point accuracy claim is checked.
struct Lesson6Data {
    var train: Dataset
    var test: Dataset
    let name: String
    let claimsAccuracy: Bool
}

/// Recognises the official MNIST and Fashion-MNIST files by the first ten training and test labels
/// (a fingerprint of their published order); nil for any other IDX data, such as a subset or a reshuffle.
func knownIDXDataset(trainLabels: [Int], testLabels: [Int]) -> String? {
    let fingerprints = [
        ("mnist", [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]),
        ("fashion-mnist", [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
    ]
    return fingerprints.first { _, train, test in
        trainLabels.prefix(10).elementsEqual(train) && testLabels.prefix(10).elementsEqual(test)
    }?.0
}

/// Loads the requested dataset. `auto` reads the IDX files of a `data_dir` the user names (an error when it
/// holds none) and otherwise falls back to Yin-Yang, with a message, when Fashion-MNIST is not installed.
func loadLesson6Data(_ request: DatasetRequest, log: (String) -> Void) throws -> Lesson6Data {
    let dir = request.dataDir
    func wrap<T>(_ what: String, hint: String = "", _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DataError {
            throw LessonError("\(what): \(e.description)" + (hint.isEmpty ? "" : ". \(hint)"))
        }
    }
    /// IDX files from a folder. `name` nil: named by their content (auto with a data_dir); otherwise a
    /// message when the content says the files are the other dataset.
    func idx(_ folder: String, _ name: String?, hint: String = "") throws -> Lesson6Data {
        let d = try wrap(name ?? "IDX data", hint: hint) { try loadIDXDirectory(folder, name: name ?? "idx") }
        let known = knownIDXDataset(trainLabels: d.train.labels, testLabels: d.test.labels)
        if let name, let known, known != name {
            log("note: the files in \(folder) look like \(known) (by their first labels), not \(name)")
        }
        let used = name ?? known ?? "IDX data in \(folder)"
        return Lesson6Data(train: d.train, test: d.test, name: used, claimsAccuracy: true)
    }
    func yinYang() -> Lesson6Data {
        let y = YinYang.standard()
        return Lesson6Data(train: y.train, test: y.test, name: "yin-yang", claimsAccuracy: false)
    }
    switch request.dataset {
    case .auto:
        if let dir { return try idx(dir, nil) }
        // A package folder with any files in it is read, so that a damaged install is reported, not skipped.
        let installed = try? FileManager.default.contentsOfDirectory(atPath: fashionMNISTSystemDirectory)
        if let installed, !installed.isEmpty {
            return try idx(
                fashionMNISTSystemDirectory, "fashion-mnist",
                hint: "Reinstall with: apt-get install --reinstall dataset-fashion-mnist")
        }
        log(
            "Fashion-MNIST not found in \(fashionMNISTSystemDirectory): install it with "
                + "'apt-get install dataset-fashion-mnist' (or pass --set data_dir=DIR); using Yin-Yang instead")
        return yinYang()
    case .fashionMNIST:
        return try idx(
            dir ?? fashionMNISTSystemDirectory, "fashion-mnist",
            hint: dir == nil ? "Install it with: apt-get install dataset-fashion-mnist" : "")
    case .mnist:
        guard let dir else {
            throw LessonError.usage(
                "dataset mnist needs --set data_dir=DIR, a folder (or its raw/) with "
                    + idxCanonicalNames.joined(separator: ", ") + " (plain or .gz)")
        }
        return try idx(dir, "mnist")
    case .cifar10:
        guard let dir else {
            throw LessonError.usage(
                "dataset cifar10 needs --set data_dir=DIR, "
                    + "the folder of the binary version (data_batch_1.bin … test_batch.bin)")
        }
        let d = try wrap("cifar10", hint: "Use the binary version (cifar-10-batches-bin)") { try loadCIFAR10(dir) }
        return Lesson6Data(train: d.train, test: d.test, name: "cifar10", claimsAccuracy: false)
    case .yinYang:
        return yinYang()
    }
}

/// Input width, classes and training and test samples of a dataset choice before it is loaded.
func datasetShape(_ request: DatasetRequest, trainLimit: Int, testLimit: Int)
    -> (inputs: Int, classes: Int, train: Int, test: Int)
{
    let (inputs, classes, train, test): (Int, Int, Int, Int)
    switch request.dataset {
    case .cifar10: (inputs, classes, train, test) = (3072, 10, 50_000, 10_000)
    case .yinYang: (inputs, classes, train, test) = (4, 3, 5000, 1000)
    case .auto, .mnist, .fashionMNIST: (inputs, classes, train, test) = (784, 10, 60_000, 10_000)
    }
    return (
        inputs, classes, trainLimit > 0 ? min(trainLimit, train) : train, testLimit > 0 ? min(testLimit, test) : test
    )
}
