import Foundation
import Testing

@testable import LessonCLI
@testable import LessonKit
@testable import Lessons

// Issue 31: a lesson as a course unit — objectives, times, exercises in the notebook, student and instructor sheets
// from one source and one run, and `lesson check`.

@Suite(.serialized) struct CourseTests {
    /// Lesson 2's notebook with a course block and two exercises added, in a lessons folder of its own.
    static let course = """
        ```course
        reading = 12
        prerequisites = Lesson 1; products and means of random variables
        objective = Predict a Hebbian update from two rates | exercise 1
        objective = Count the inhibitory routes of a random weight matrix | exercise 2
        objective = Explain why a negative weight needs a PV interneuron | exercise 3
        ```
        """
    static let exercises = """
        ## Exercises

        ```exercise
        id = 1
        kind = calculate
        question = Calculate the rate prediction $\\eta\\, r_\\mathrm{pre} r_\\mathrm{post}$ in ms⁻².
        run = lesson 2
        answer = hebbian_predicted
        unit = ms⁻²
        digits = 3
        hint = Use the LIF rate f(I) of lesson 1 for each cell, then multiply.
        ```

        ```exercise
        id = 2
        kind = predict
        question = Predict the mean spike-count update over the trials.
        answer = hebbian_mean
        unit = ms⁻²
        digits = 2
        hint = The mean of a product of independent counts is the product of their means.
        ```

        ```exercise
        id = 3
        kind = why
        question = Why does a negative weight need a PV interneuron?
        hint = Which sign can a Pyr cell's synapses have?
        explanation = A Pyr cell is excitatory; in this run {{inhibitory_routes}} pairs use the PV route.
        ```
        """

    func lessonsFolder() throws -> String {
        let dir = temporaryFolder("course-lessons")
        for f in try FileManager.default.contentsOfDirectory(atPath: packageRoot + "/lessons") where f.hasSuffix(".md")
        {
            try FileManager.default.copyItem(atPath: packageRoot + "/lessons/" + f, toPath: dir + "/" + f)
        }
        let path = dir + "/\(lesson02.notebookFile)"
        // The lesson's own course blocks are set aside: this test's blocks know what they ask.
        var kept: [String] = []
        var inBlock = false
        for line in try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n") {
            if line == "```course" || line == "```exercise" { inBlock = true }
            if !inBlock { kept.append(line) }
            if inBlock && line == "```" { inBlock = false }
        }
        var text = kept.joined(separator: "\n")
        let cut = try #require(text.range(of: "## Parameters"))
        text.insert(contentsOf: CourseTests.course + "\n\n", at: cut.lowerBound)
        text += "\n" + CourseTests.exercises + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return dir
    }

    func run(lessons: String, out: String) throws -> RunOutcome {
        var options = RunOptions()
        options.lessonsDirectory = lessons
        options.outDirectory = out
        options.render = false
        return try runLessonSerially(lesson02, options: options)
    }

    /// One source, one run: the student sheet has the questions, the kind of answer and the hints but no answer;
    /// the instructor sheet has every answer as the run recorded it; the executed notebook shows the objectives
    /// and the exercises as the student sheet does (the lesson's prose may print a result a "calculate, then
    /// compare with the run" exercise asks for: that is the run to compare with). `lesson check` passes the
    /// instructor's answers, fails a perturbed one naming it with a hint that holds no number, and refuses a
    /// malformed file in one line.
    @Test func studentAndInstructorSheetsAndSelfCheck() throws {
        let lessons = try lessonsFolder()
        let out = temporaryFolder("course-run")
        let outcome = try run(lessons: lessons, out: out)
        let folder = outcome.folder
        let results =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/results.json")))
            as? [String: Any]
        let numbers = try #require(results?["numbers"] as? [String: [String: Any]])
        let notebook = try Notebook.load(lessons + "/\(lesson02.notebookFile)")
        let student = try String(contentsOfFile: folder + "/\(lesson02.id).student.md", encoding: .utf8)
        let instructor = try String(contentsOfFile: folder + "/\(lesson02.id).instructor.md", encoding: .utf8)
        let executed = try String(contentsOfFile: folder + "/\(lesson02.id).executed.md", encoding: .utf8)
        var filled = try String(contentsOfFile: folder + "/\(lesson02.id).answers.txt", encoding: .utf8)
        for e in notebook.exercises {
            #expect(student.contains("**Exercise \(e.id) (\(e.kind.rawValue)).**"))
            guard let name = e.answer else { continue }
            let mean = try #require(numbers[name]?["mean"] as? Double)
            let written = e.written(mean)
            #expect(instructor.contains("**\(written) \(e.unit)**"), "instructor sheet lacks \(written)")
            #expect(!student.contains(written), "the answer \(written) leaked into the student sheet")
            filled = filled.replacingOccurrences(of: "\(e.id) =", with: "\(e.id) = \(written)")
        }
        #expect(student.contains("Learning objectives") && student.contains("reading about 12 min"))
        #expect(executed.contains("Learning objectives") && !executed.contains("```exercise"))
        for file in ["student.html", "instructor.html", "student.ipynb", "instructor.ipynb"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/\(lesson02.id).\(file)"), "\(file)")
        }
        let html = try String(contentsOfFile: folder + "/\(lesson02.id).instructor.html", encoding: .utf8)
        #expect(html.contains("<details><summary>Answer</summary>"))

        let right = out + "/right.txt"
        try filled.write(toFile: right, atomically: true, encoding: .utf8)
        let pass = try checkAnswers(lesson02, answersFile: right, outDirectory: out, lessonsDirectory: lessons)
        #expect(pass.allRight && pass.report.hasSuffix("2 passed, 0 failed"), "\(pass.report)")

        let mean = try #require(numbers["hebbian_predicted"]?["mean"] as? Double)
        let wrong = out + "/wrong.txt"
        try filled.replacingOccurrences(of: "1 = \(notebook.exercises[0].written(mean))", with: "1 = 0.0042")
            .write(toFile: wrong, atomically: true, encoding: .utf8)
        let fail = try checkAnswers(lesson02, answersFile: wrong, outDirectory: out, lessonsDirectory: lessons)
        #expect(!fail.allRight && fail.report.hasSuffix("1 passed, 1 failed"), "\(fail.report)")
        let row = try #require(fail.report.split(separator: "\n").first { $0.hasPrefix("exercise 1 ") })
        #expect(row.contains("WRONG") && row.contains("hint: Use the LIF rate"))
        #expect(!fail.report.contains(notebook.exercises[0].written(mean)), "the hint gave the answer away")

        for (text, why) in [
            ("1 = abc\n", "is not a number"), ("9 = 1\n", "there is no exercise 9"), ("3 = 1\n", "asks why"),
            ("1 = 1\n1 = 2\n", "answered twice"), ("just words\n", "is not of the form ID = number")
        ] {
            let bad = out + "/bad.txt"
            try text.write(toFile: bad, atomically: true, encoding: .utf8)
            #expect(throws: LessonError.self) {
                _ = try checkAnswers(lesson02, answersFile: bad, outDirectory: out, lessonsDirectory: lessons)
            }
            do { _ = try checkAnswers(lesson02, answersFile: bad, outDirectory: out, lessonsDirectory: lessons) } catch
            {
                #expect("\(error)".contains(why), "\(error)")
            }
        }
        // `lesson handout` rewrites the sheets from the run without running it.
        try FileManager.default.removeItem(atPath: folder + "/\(lesson02.id).student.md")
        _ = try writeHandout(lesson02, outDirectory: out, lessonsDirectory: lessons)
        #expect(try String(contentsOfFile: folder + "/\(lesson02.id).student.md", encoding: .utf8) == student)
    }

    /// A malformed course or exercise block is refused in one line naming the notebook's line.
    @Test func malformedBlocksAreRefused() {
        let cases: [(String, String)] = [
            ("```exercise\nid = 1\nkind = guess\nquestion = q\nhint = h\n```", "needs id"),
            ("```exercise\nid = 1\nkind = why\nquestion = q\nhint = h\nanswer = x\n```", "has an explanation"),
            (
                "```exercise\nid = 1\nkind = calculate\nquestion = q\nhint = it is {{x}}\nanswer = x\ndigits = 2\n```",
                "gives its answer"
            ),
            ("```exercise\nid = 1\nkind = calculate\nquestion = q\nhint = h\nanswer = x\n```", "needs answer"),
            ("```exercise\nid = 1\ncolour = red\n```", "unknown key 'colour'"),
            ("```course\nreading = 5\nprerequisites = none\nobjective = learn it\n```", "objective reads"),
            ("```course\nreading = soon\n```", "not a number of minutes"),
            ("```course\nreading = 5\n```", "needs reading, prerequisites"),
            ("```exercise\nid = 1\n", "never closed"),
            // Issue 30: fences the parser does not read were ignored, their values copied into the executed copy.
            ("~~~parameters\nseed = 2\n~~~", "not a block this program reads"),
            ("```Parameters\nseed = 2\n```", "not a block this program reads"),
            ("``` exercise\nid = 1\n```", "not a block this program reads")
        ]
        for (block, why) in cases {
            let text = "# T\n\n```parameters\nseed = 1\n```\n\n" + block + "\n"
            do {
                _ = try Notebook(path: "x.md", text: text)
                Issue.record("accepted: \(block)")
            } catch {
                #expect("\(error)".contains(why) && "\(error)".contains("x.md line"), "\(error)")
            }
        }
    }

    /// Tolerances: half a unit in the last digit asked, or 4 sd over the seeds.
    @Test func gradingTolerance() {
        var e = Exercise(
            id: "1", kind: .calculate, question: "", run: nil, answer: "x", unit: "", digits: 3, hint: "",
            explanation: nil)
        #expect(abs(e.tolerance(Reference(value: 1.5, sd: 0)) - 0.005) < 1e-12)
        #expect(abs(e.tolerance(Reference(value: 41.71, sd: 0)) - 0.05) < 1e-12)
        #expect(abs(e.tolerance(Reference(value: 41.71, sd: 1)) - 4) < 1e-12)
        e.digits = 2
        #expect(abs(e.tolerance(Reference(value: 0.00262, sd: 0)) - 0.00005) < 1e-15)
    }

    /// Subsets of the course: `lesson 1-5`, `lesson 1,3,4`, `lesson 2-3,7`; a lesson named twice or one this
    /// version lacks is refused; a single lesson is not a subset.
    @Test func lessonSubsets() throws {
        #expect(try findLessons("1-5", in: allLessons)?.map(\.number) == [1, 2, 3, 4, 5])
        #expect(try findLessons("4,1,3", in: allLessons)?.map(\.number) == [1, 3, 4])
        #expect(try findLessons("2-3,7", in: allLessons)?.map(\.number) == [2, 3, 7])
        #expect(try findLessons("all", in: allLessons)?.count == allLessons.count)
        #expect(try findLessons("3", in: allLessons) == nil && findLessons("lif", in: allLessons) == nil)
        for bad in ["1-99", "1,1", "3-1", "1,,2", "-2"] {
            #expect(throws: LessonError.self) { _ = try findLessons(bad, in: allLessons) }
        }
        #expect(throws: Never.self) { _ = try parseCommand(["1,2"]) }
        #expect(throws: (any Error).self) { _ = try parseCommand(["1,2", "--set", "tau=10"]) }
    }

    /// Every lesson opens like a course unit and carries its exercises: 3–5 objectives, each shown by an exercise
    /// the notebook has (or a check), a reading time, at least three exercises with one of each kind; and the
    /// README's course map gives each lesson's reading time and exercise count as its notebook does.
    @Test(arguments: allLessons.map(\.number)) func everyLessonIsACourseUnit(number: Int) throws {
        let lesson = try findLesson(String(number))
        let notebook = try Notebook.load(packageRoot + "/lessons/" + lesson.notebookFile)
        let unit = try #require(notebook.courseUnit, "lesson \(number) has no ```course block")
        #expect((3...5).contains(unit.objectives.count), "lesson \(number): \(unit.objectives.count) objectives")
        for o in unit.objectives {
            if case .exercise(let id) = o.evidence {
                #expect(notebook.exercises.contains { $0.id == id }, "lesson \(number): no exercise \(id)")
            }
        }
        #expect(notebook.exercises.count >= 3)
        for kind in ExerciseKind.allCases {
            #expect(notebook.exercises.contains { $0.kind == kind }, "lesson \(number) has no \(kind) exercise")
        }
        // The reading time is the words a student reads (text, equations and exercises; not the Lab notes, an
        // optional section or the parameter and course blocks) at 150 words a minute, rounded up: a lesson that
        // grows without its time being updated fails here.
        let words = readingWords(
            try String(contentsOfFile: packageRoot + "/lessons/" + lesson.notebookFile, encoding: .utf8))
        let minutes = Int((Double(words) / 150).rounded(.up))
        #expect(
            abs(unit.readingMinutes - minutes) <= 1,
            "lesson \(number): \(words) words, reading = \(unit.readingMinutes)")
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        let row = try #require(
            readme.split(separator: "\n").first { $0.hasPrefix("| \(number) | [") }, "no course-map row for \(number)")
        #expect(row.hasSuffix("| \(unit.readingMinutes) min | \(notebook.exercises.count) |"), "\(row)")
    }
}

/// The words of a notebook a student reads: every section but the Lab notes and optional ones ("## … (optional)"),
/// without the ```parameters and ```course blocks and a code exercise's code (work, not reading).
func readingWords(_ notebook: String) -> Int {
    var words = 0
    var skippingSection = false
    var skippingBlock = false
    for line in notebook.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("## ") {
            skippingSection = line.hasPrefix("## Lab notes") || line.lowercased().contains("optional")
        }
        if ["```parameters", "```course", "```stub", "```check", "```solution"].contains(line) { skippingBlock = true }
        if !skippingSection && !skippingBlock { words += line.split(whereSeparator: \.isWhitespace).count }
        if skippingBlock && line == "```" { skippingBlock = false }
    }
    return words
}
