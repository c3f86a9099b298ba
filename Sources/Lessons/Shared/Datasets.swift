import Foundation
import LessonKit
import NeuroModel

// The datasets of the lessons that train on full datasets (6 and 7): one registry, `DatasetName`. A dataset is a
// case of it and that case's `DatasetEntry` in `entry` (the compiler refuses a case without one); the `dataset`
// parameter's values, loading, the files looked for, the shapes the work estimates use and what `auto` finds all
// come from the registry.

/// The registry of datasets, in the order `lesson params` lists them (after `auto`). Adding a dataset is adding
/// a case here and its entry in `entry`.
enum DatasetName: String, CaseIterable, Sendable {
    case fashionMNIST = "fashion-mnist"
    case mnist, cifar10
    case yinYang = "yin-yang"

    var entry: DatasetEntry {
        switch self {
        case .fashionMNIST:
            return DatasetEntry(
                title: "Fashion-MNIST", inputs: 784, classes: 10, train: 60_000, test: 10_000, claimsAccuracy: true,
                files: .idx(firstLabels: ([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])),
                installed: (fashionMNISTSystemDirectory, "dataset-fashion-mnist"))
        case .mnist:
            return DatasetEntry(
                title: "MNIST", inputs: 784, classes: 10, train: 60_000, test: 10_000, claimsAccuracy: true,
                files: .idx(firstLabels: ([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])))
        case .cifar10:
            return DatasetEntry(
                title: "CIFAR-10", inputs: 3072, classes: 10, train: 50_000, test: 10_000, claimsAccuracy: false,
                files: .cifar10Binary)
        case .yinYang:
            return DatasetEntry(
                title: "Yin-Yang", inputs: 4, classes: 3, train: 5000, test: 1000, claimsAccuracy: false,
                files: .generated {
                    let y = YinYang.standard()
                    return (y.train, y.test)
                })
        }
    }

    /// What `auto` loads without a `data_dir` when its files are installed, and what it falls back to.
    static let autoInstalled = DatasetName.fashionMNIST
    static let autoFallback = DatasetName.yinYang
}

/// One dataset of the registry.
struct DatasetEntry: Sendable {
    /// The files a dataset is read from, and how.
    enum Files: Sendable {
        /// The four IDX files (found as `locateIDXFiles` says); the first ten training and test labels of the
        /// official files (a fingerprint of their published order) recognise them.
        case idx(firstLabels: (train: [Int], test: [Int]))
        /// CIFAR-10's binary version: data_batch_1.bin … data_batch_5.bin and test_batch.bin.
        case cifar10Binary
        /// Generated in code: no files.
        case generated(@Sendable () -> (train: Dataset, test: Dataset))
    }

    /// How messages name it (the `dataset` parameter's value is its case's raw value).
    let title: String
    /// Input width, classes, and training and test samples of the full set (for the work estimates).
    let inputs: Int
    let classes: Int
    let train: Int
    let test: Int
    /// Whether the lessons' accuracy claims are checked on it (they are calibrated on the image datasets).
    let claimsAccuracy: Bool
    let files: Files
    /// The folder a system package installs it in, and the package (nil: `data_dir` must name its folder).
    var installed: (folder: String, package: String)? = nil

    /// The files looked for, for the message when `data_dir` is needed; nil for generated data.
    var filesLookedFor: String? {
        switch files {
        case .idx: return "a folder (or its raw/) with " + idxCanonicalNames.joined(separator: ", ") + " (plain or .gz)"
        case .cifar10Binary: return "the folder of the binary version (data_batch_1.bin … test_batch.bin)"
        case .generated: return nil
        }
    }
}

/// The `dataset` and `data_dir` parameters, read once.
struct DatasetRequest {
    /// nil for `auto`.
    let dataset: DatasetName?
    /// nil for `none` (the system package's folder, where there is one)
    let dataDir: String?

    /// The values of the `dataset` parameter: `auto`, then the registry's.
    static let choices = ["auto"] + DatasetName.allCases.map(\.rawValue)

    init(dataset: DatasetName?, dataDir: String?) {
        self.dataset = dataset
        self.dataDir = dataDir
    }

    init(_ p: ParameterValues) throws {
        let text = p.string("dataset")
        dataset = text == "auto" ? nil : try p.choice("dataset", as: DatasetName.init(rawValue:))
        dataDir = p.string("data_dir") == "none" ? nil : p.string("data_dir")
    }

    /// The dataset whose shape the work estimate assumes: the one named, else what `auto` loads when installed.
    var assumed: DatasetEntry { (dataset ?? DatasetName.autoInstalled).entry }
}

/// Whether a system package's folder holds any files (a damaged install is then reported, not skipped).
private func isInstalled(_ folder: String) -> Bool {
    !((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).isEmpty
}

/// What `dataset` resolves to here, for `lesson params`: for `auto`, the data a run would load (without
/// loading it).
@Sendable func datasetNotes(_ values: ParameterValues) -> [String: String] {
    guard let request = try? DatasetRequest(values), request.dataset == nil else { return [:] }
    if let dir = request.dataDir { return ["dataset": "auto finds the IDX files in \(dir), named by their labels"] }
    let name = DatasetName.autoInstalled
    guard let (folder, package) = name.entry.installed else { return [:] }
    if isInstalled(folder) { return ["dataset": "auto finds \(name.entry.title) in \(folder)"] }
    return [
        "dataset": "auto finds no \(name.entry.title) (apt-get install \(package)) and uses "
            + DatasetName.autoFallback.entry.title
    ]
}

/// The data of one run: the name used in checks, records and figures (the registry's, or "IDX data in DIR" for
/// IDX files of a `data_dir` that are none of its datasets), and whether the accuracy claims are checked on it.
struct LoadedDataset {
    var train: Dataset
    var test: Dataset
    let name: String
    /// The registry's dataset, nil for IDX files it does not know.
    let dataset: DatasetName?
    let claimsAccuracy: Bool
}

/// Recognises IDX files of the registry by their first ten training and test labels (a fingerprint of their
/// published order); nil for any other IDX data, such as a subset or a reshuffle.
func knownIDXDataset(trainLabels: [Int], testLabels: [Int]) -> String? {
    DatasetName.allCases.first { name in
        guard case .idx(let first) = name.entry.files else { return false }
        return trainLabels.prefix(10).elementsEqual(first.train) && testLabels.prefix(10).elementsEqual(first.test)
    }?.rawValue
}

/// Loads the requested dataset. `auto` reads the IDX files of a `data_dir` the user names (an error when it
/// holds none) and otherwise falls back to Yin-Yang, with a message, when Fashion-MNIST is not installed.
func loadDataset(_ request: DatasetRequest, log: (String) -> Void) throws -> LoadedDataset {
    func wrap<T>(_ what: String, hint: String = "", _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DataError {
            throw LessonError("\(what): \(e.description)" + (hint.isEmpty ? "" : ". \(hint)"))
        }
    }
    /// IDX files from a folder. `name` nil: named by their content (auto with a data_dir); otherwise a
    /// message when the content says the files are another dataset.
    func idx(_ folder: String, _ name: DatasetName?, hint: String = "") throws -> LoadedDataset {
        let d = try wrap(name?.rawValue ?? "IDX data", hint: hint) {
            try loadIDXDirectory(folder, name: name?.rawValue ?? "idx")
        }
        let known = knownIDXDataset(trainLabels: d.train.labels, testLabels: d.test.labels)
        // The official files of another dataset would be run, and every output labelled, as the one named.
        if let name, let known, known != name.rawValue {
            throw LessonError.usage(
                "the files in \(folder) are \(known) (the official files, by their first labels), not "
                    + "\(name.rawValue); set dataset=\(known) or dataset=auto")
        }
        let used = name ?? known.flatMap(DatasetName.init(rawValue:))
        return LoadedDataset(
            train: d.train, test: d.test, name: used?.rawValue ?? "IDX data in \(folder)", dataset: used,
            claimsAccuracy: used?.entry.claimsAccuracy ?? true)
    }
    /// The dataset `name` from `folder` (nil: its system package's folder; an error when it has none).
    func load(_ name: DatasetName, from folder: String?, installHint: String? = nil) throws -> LoadedDataset {
        let entry = name.entry
        func whole(_ d: (train: Dataset, test: Dataset)) -> LoadedDataset {
            LoadedDataset(
                train: d.train, test: d.test, name: name.rawValue, dataset: name, claimsAccuracy: entry.claimsAccuracy)
        }
        func dir() throws -> String {
            guard let dir = folder ?? entry.installed?.folder else {
                throw LessonError.usage(
                    "dataset \(name.rawValue) needs --set data_dir=DIR, " + (entry.filesLookedFor ?? "its folder"))
            }
            return dir
        }
        switch entry.files {
        case .generated(let make):
            return whole(make())
        case .idx:
            let install = folder == nil ? entry.installed.map { "Install it with: apt-get install \($0.package)" } : nil
            return try idx(try dir(), name, hint: installHint ?? install ?? "")
        case .cifar10Binary:
            let dir = try dir()
            return whole(
                try wrap(name.rawValue, hint: "Use the binary version (cifar-10-batches-bin)") {
                    try loadCIFAR10(dir)
                })
        }
    }
    guard let dataset = request.dataset else {
        if let dir = request.dataDir { return try idx(dir, nil) }
        let name = DatasetName.autoInstalled
        if let (folder, package) = name.entry.installed {
            if isInstalled(folder) {
                return try load(name, from: nil, installHint: "Reinstall with: apt-get install --reinstall \(package)")
            }
            log(
                "\(name.entry.title) not found in \(folder): install it with 'apt-get install \(package)' "
                    + "(or pass --set data_dir=DIR); using \(DatasetName.autoFallback.entry.title) instead")
        }
        return try load(DatasetName.autoFallback, from: nil)
    }
    return try load(dataset, from: request.dataDir)
}

/// Input width, classes and training and test samples of a dataset choice before it is loaded.
func datasetShape(_ request: DatasetRequest, trainLimit: Int, testLimit: Int)
    -> (inputs: Int, classes: Int, train: Int, test: Int)
{
    let e = request.assumed
    return (
        e.inputs, e.classes, trainLimit > 0 ? min(trainLimit, e.train) : e.train,
        testLimit > 0 ? min(testLimit, e.test) : e.test
    )
}
