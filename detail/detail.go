// Package detail puts the suite's failure details into the student's
// language: the lines below a failure's labels (what happened, sent,
// received, want), the server's state, a launch's or a build's error.
//
// The suite writes them in English, once: the verdict a grader matches
// ([expect.reasons]) and groups causes by is English whatever the
// student reads. A report translates each line here, phrase by phrase,
// when it shows it: what the phrases quote (sizes, offsets, hex dumps, a
// server's own words in quotes, paths, errno names) stays as it is. The
// table is tested against the texts of the code that makes them (probe's
// exchanges, launch's states), so a phrase added there without its
// translation fails a test, not a student.
package detail

import (
	"regexp"
	"strings"

	"github.com/echospec/echospec/diagnose"
	"github.com/echospec/echospec/props"
)

// Failure puts a whole failure's detail, as the suite writes it (its
// headline, then the lines below it), into l.
func Failure(text string, l props.Lang) string {
	head, rest, more := strings.Cut(text, "\n")
	head = Headline(head, l)
	if !more {
		return head
	}
	return head + "\n" + Translate(rest, l)
}

// Headline puts a failure's first line into l: a setup step's words
// (props.Headline), the cause that ends it (diagnose.Translate), and what
// happened.
func Headline(head string, l props.Lang) string {
	if l != props.Zh {
		return head
	}
	// An unstable property's loss quotes a failing run's headline
	// (tools/internal/grade's explain): the headline's own rules see it.
	if m := runsSaid.FindStringSubmatchIndex(head); m != nil {
		return head[m[4]:m[5]] + " 次运行中 " + head[m[2]:m[3]] + " 次通过；一次失败的运行给出的信息：" + Headline(head[m[1]:], l)
	}
	what, cause := diagnose.SplitCause(head)
	// A launch's headline may end with where the server's output follows;
	// a cause's pattern sees the line without it.
	ends := ""
	if m := endsWith.FindStringIndex(what); m != nil {
		what, ends = what[:m[0]], what[m[0]:]
	}
	what = Line(diagnose.Translate(props.Headline(what, l), l), l) + Line(ends, l)
	if cause == "" {
		return what
	}
	return what + zhHeadCause + Cause(cause, l)
}

// Cause puts the line of a root cause into l: diagnose's words, and the
// kit's own when the server's error is how it ended (its status).
func Cause(line string, l props.Lang) string {
	zh := diagnose.Translate(line, l)
	if strings.Contains(line, "error: the server ") {
		zh = Line(zh, l)
	}
	return zh
}

// endsWith is how launch says the server's output follows a headline.
var endsWith = regexp.MustCompile(`; its (stderr|stdout) ends with:$`)

// Labels puts the labels that open a failure's lines (want:, sent:,
// received:, hint:, cause:) into l, keeping their column.
func Labels(text string, l props.Lang) string {
	if l != props.Zh {
		return text
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		t := strings.TrimLeft(line, " ")
		ind := line[:len(line)-len(t)]
		for en, zh := range zhLabels {
			if after, ok := strings.CutPrefix(t, en); ok {
				// A Chinese character takes two columns: a label of
				// three is six, padded to the English labels' ten.
				lines[i] = ind + zh + strings.Repeat(" ", 10-2*len([]rune(zh))) + strings.TrimLeft(after, " ")
				break
			}
		}
	}
	return strings.Join(lines, "\n")
}

// zhLabels are the labels of a failure's lines in Chinese.
var zhLabels = map[string]string{
	"want:": "期望：", "sent:": "发送：", "received:": "收到：", "hint:": "提示：", "cause:": "原因：",
}

// runsSaid opens an unstable property's loss: "1 of 3 runs passed; a
// failing run said: " and its headline.
var runsSaid = regexp.MustCompile(`^([0-9]+) of ([0-9]+) runs passed; a failing run said: `)

// zhHeadCause is diagnose.HeadCause in Chinese.
const zhHeadCause = " —— 原因："

// Translate puts the lines of a failure's detail below its headline into
// l. Lines that quote the server's output ("    | ...") and quoted
// strings in a line are kept as they are.
func Translate(text string, l props.Lang) string {
	if l != props.Zh || text == "" {
		return text
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimLeft(line, " "), "| ") || strings.TrimLeft(line, " ") == "|" {
			continue
		}
		if c, ok := strings.CutPrefix(line, "  cause: "); ok { // a cause on a line of its own
			lines[i] = "  原因：" + Cause(c, l)
			continue
		}
		lines[i] = Line(line, l)
	}
	return strings.Join(lines, "\n")
}

// quoted matches a Go-quoted string: the server's own words, bytes.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// Line puts one line into l, leaving its quoted strings as they are.
func Line(line string, l props.Lang) string {
	if l != props.Zh {
		return line
	}
	var b strings.Builder
	var open []rune // the brackets open so far, outside quotes
	last := 0
	for _, m := range quoted.FindAllStringIndex(line, -1) {
		b.WriteString(segment(line[last:m[0]], &open))
		b.WriteString(line[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(segment(line[last:], &open))
	return b.String()
}

// segment is a line's part between quotes in Chinese: its phrases, its
// brackets closed as they were opened, and the English colons and commas
// the phrases' joints leave after Chinese text made full-width.
func segment(s string, open *[]rune) string {
	return cjkPunct.ReplaceAllStringFunc(closeLike(phrases(s), open), func(m string) string {
		if strings.HasSuffix(m, ": ") {
			return strings.TrimSuffix(m, ": ") + "："
		}
		return strings.TrimSuffix(m, ", ") + "，"
	})
}

// cjkPunct is an English colon or comma, and its space, after a Chinese
// character or bracket.
var cjkPunct = regexp.MustCompile(`[\p{Han}）]: |[\p{Han}）], `)

// closeLike closes each bracket of s as it was opened: a rule opens a
// full-width （ whose ) the English left after a quote.
func closeLike(s string, open *[]rune) string {
	if !strings.ContainsAny(s, "()（）") {
		return s
	}
	out := []rune(s)
	for i, c := range out {
		switch c {
		case '(', '（':
			*open = append(*open, c)
		case ')', '）':
			if k := len(*open); k > 0 {
				if (*open)[k-1] == '（' {
					out[i] = '）'
				}
				*open = (*open)[:k-1]
			}
		}
	}
	return string(out)
}

// phrases applies every rule of the table, in order, to s.
func phrases(s string) string {
	if strings.TrimSpace(s) == "" {
		return s
	}
	for _, r := range zhRules {
		s = r.re.ReplaceAllString(s, r.zh)
	}
	return s
}

// English reports the first English phrase left in s outside what it may
// quote: a run of three or more English words. Tests use it to find a
// sentence a table has not translated.
func English(s string) string {
	s = hexDump.ReplaceAllString(quoted.ReplaceAllString(s, `""`), "")
	s = zhQuoted.ReplaceAllString(s, "“”")
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimLeft(line, " ")
		if strings.HasPrefix(t, "| ") || t == "|" {
			continue
		}
		// What follows is the server's own error line, quoted.
		line, _, _ = strings.Cut(line, serverSaid)
		line = codeWords.ReplaceAllString(line, "")
		for _, m := range englishRun.FindAllString(line, -1) {
			if !allowed(m) {
				return m
			}
		}
	}
	return ""
}

// zhQuoted is what a Chinese line quotes: a tool's own words.
var zhQuoted = regexp.MustCompile(`“[^”]*”`)

// serverSaid opens the quote of a server's own error in a cause's line
// (diagnose's words in Chinese).
const serverSaid = "服务器自身的错误："

// codeWords are the manifest's values a report names as they are: the
// models and the mechanisms.
var codeWords = regexp.MustCompile(`\b(single|multiprocess|multithread|coroutine|multiplex|selector|select|poll|epoll|kqueue|io_uring)\b`)

// hexDump is probe.HexAt's bytes.
var hexDump = regexp.MustCompile(`\[[0-9]+\] (?:>?[0-9a-f]{2}<? ?)+`)

// englishRun is three or more words of letters in a row, as a sentence
// has; an identifier, a flag or a path is one word.
var englishRun = regexp.MustCompile(`\b[A-Za-z][a-z']*(?:[ ,]+[A-Za-z][a-z']*\b){2,}`)

// allowed are runs of English words that are code or names, not
// sentences: what a student types or reads in their own code.
func allowed(run string) bool {
	for _, a := range allowedRuns {
		if r, a := strings.ToLower(run), strings.ToLower(a); strings.Contains(r, a) || strings.Contains(a, r) {
			return true
		}
	}
	return false
}

var allowedRuns = []string{
	"Address already in use", "Too many open files", "Connection reset by peer",
	"Broken pipe", "Connection refused", "no such file or directory",
	"operation not permitted", "permission denied", "read-only file system", "device or resource busy", "executable file not found",
	"model single", "multiprocess, multithread", "coroutine, multiplex",
	"go test", "go run", "go tool", "make install",
}
