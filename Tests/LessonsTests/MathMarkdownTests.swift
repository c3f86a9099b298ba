import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

/// The Markdown and math machinery of report.html.
@Suite struct MathMarkdownTests {
    @Test func mathBecomesPlaceholdersAndProseIsEscaped() {
        let p = protectMath("A $W_{kj} < 0$ and $$\\sum_j x_j$$ & <b>.")
        #expect(p.spans == [MathSpan(tex: "W_{kj} < 0", display: false), MathSpan(tex: "\\sum_j x_j", display: true)])
        #expect(p.markdown == "A \(p.placeholder(0)) and \(p.placeholder(1)) &amp; &lt;b>.")
    }

    @Test func underscoresInsideWordsAreNotEmphasis() {
        #expect(
            protectMath("V_rest and r_pre, _emph_ and `a_b`").markdown
                == "V\\_rest and r\\_pre, _emph_ and `a_b`")
    }

    @Test func dollarsThatAreNotMathStayText() {
        for text in ["costs $5 and $6 in all", "a lone $ sign", "$ x$", "$x $", "\\$x$ escaped"] {
            #expect(protectMath(text).spans.isEmpty, "\(text)")
        }
    }

    @Test func codeIsLeftAsWritten() {
        let text = "Run `echo $HOME & $PATH <x>` then\n\n```sh\nA=$1 && B=$2 <c>\n```\nand $y$."
        let p = protectMath(text)
        #expect(p.spans == [MathSpan(tex: "y", display: false)])
        #expect(
            p.markdown == "Run `echo $HOME & $PATH <x>` then\n\n```sh\nA=$1 && B=$2 <c>\n```\nand "
                + p.placeholder(0) + ".")
    }

    @Test func mathInATableRowReadsEscapedPipesBack() {
        let p = protectMath("| $\\lvert x \\| y$ | b |\nand $\\|v\\|$ outside")
        #expect(p.spans.map(\.tex) == ["\\lvert x | y", "\\|v\\|"])
    }

    @Test func mathOverALineBreakIsOneSpanButNotOverABlankLine() {
        #expect(protectMath("$a +\nb$").spans.map(\.tex) == ["a + b"])
        #expect(protectMath("$a +\n\nb$").spans.isEmpty)
    }

    @Test func placeholdersAvoidTheText() {
        let p = protectMath("ZqMath0Q is text, $x$ is math")
        #expect(p.prefix != "ZqMath")
        #expect(restoreMath(p.markdown, p).contains("ZqMath0Q is text"))
    }

    @Test func restoredMathIsAnElementInTextAndSourceInAttributes() {
        let p = protectMath("$a<b$ and ![$x$](f.png)")
        let html = "<p>\(p.placeholder(0)) and <img src=\"f.png\" alt=\"\(p.placeholder(1))\"/></p>"
        #expect(
            restoreMath(html, p)
                == "<p><span class=\"math inline\">$a&lt;b$</span> and <img src=\"f.png\" alt=\"$x$\"/></p>")
    }

    @Test func softBreaksJoinProseButKeepBlocks() {
        let text = "one\n- item *a\n  b* c\n`code` d\n\n| x |\n|---|\n# H\n```\nk\nl\n```\nhard  \nbreak"
        #expect(
            joiningSoftBreaks(text)
                == "one\n- item *a b* c `code` d\n\n| x |\n|---|\n# H\n```\nk\nl\n```\nhard  \nbreak")
    }

    @Test func checkResultsAreColoured() {
        let html = markingCheckResults(
            "<table><thead><tr><th>check</th><th>expected</th></tr></thead>"
                + "<tbody><tr><td>a</td><td>pass</td></tr><tr><td>b</td><td><strong>FAIL</strong></td></tr></tbody>")
        #expect(html.contains("<table class=\"checks\">"))
        #expect(html.contains("<td class=\"pass\">pass</td>") && html.contains("<td class=\"fail\"><strong>FAIL"))
    }
}

/// The `<main>` part of a page: what Ink made, without KaTeX's inlined script and style sheet.
