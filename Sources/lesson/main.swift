import LessonCLI

// `lesson` — runs the notebooks in lessons/ and checks their claims. See `lesson --help` and
// Sources/LessonCLI.

lessonMain(Array(CommandLine.arguments.dropFirst()))
