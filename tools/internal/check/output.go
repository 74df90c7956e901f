package check

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/echospec/echospec/props"
)

// The server's output is shown once per run, not under every failure: at
// most outputLines lines of it, each cut to outputCols columns (a server
// that prints every repr(data) writes lines of thousands of characters).
const (
	outputCols  = 160
	outputLines = 12
)

// serverOutput is one stream of what the server printed, as a failure's
// detail carries it.
type serverOutput struct {
	id     string // the property whose spec's server printed it
	stream string // stdout or stderr
	lines  []string
}

// splitOutput takes the server's output streams out of a failure's
// detail lines (after the first): "stderr (last lines):" and the
// "    | " lines under it. It returns the rest, and the streams.
func splitOutput(id, rest string) (string, []serverOutput) {
	var keep []string
	var outs []serverOutput
	var cur *serverOutput
	for _, line := range strings.Split(rest, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if s, ok := strings.CutSuffix(trimmed, " (last lines):"); ok && (s == "stdout" || s == "stderr") {
			outs = append(outs, serverOutput{id: id, stream: s})
			cur = &outs[len(outs)-1]
			continue
		}
		if cur != nil {
			if text, ok := strings.CutPrefix(trimmed, "| "); ok || trimmed == "|" {
				cur.lines = append(cur.lines, text)
				continue
			}
			cur = nil
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n"), outs
}

// writeOutput writes the streams once, bounded, or says none was
// captured.
func writeOutput(w io.Writer, l props.Lang, outs []serverOutput) {
	if len(outs) == 0 {
		fmt.Fprintln(w, msg(l, "no-output"))
		return
	}
	for _, o := range outs {
		fmt.Fprintln(w, msg(l, "output-once", o.stream, o.id))
		for _, line := range bound(l, o.lines, outputCols, outputLines) {
			fmt.Fprintln(w, "    | "+line)
		}
	}
}

var (
	linesAbove = regexp.MustCompile(`^\[\.\.\. (\d+) lines above\]$`)
	bytesAbove = regexp.MustCompile(`^\[(\d+) earlier bytes not kept\]$`)
)

// bound keeps the last n lines, each cut to cols columns, and says in l
// how much was left out: "… (N more characters)" at the end of a cut
// line, "… (N earlier lines not shown)" above the first.
func bound(l props.Lang, lines []string, cols, n int) []string {
	above := 0
	var out []string
	for _, line := range lines {
		line = strings.TrimRight(line, "\r")
		if m := linesAbove.FindStringSubmatch(line); m != nil {
			var k int
			fmt.Sscan(m[1], &k)
			above += k
			continue
		}
		if m := bytesAbove.FindStringSubmatch(line); m != nil {
			out = append(out, msg(l, "cut-bytes", m[1]))
			continue
		}
		out = append(out, line)
	}
	if len(out) > n {
		above += len(out) - n
		out = out[len(out)-n:]
	}
	for i, line := range out {
		if kept := fit(line, cols); len(kept) < len(line) {
			note := msg(l, "cut-chars", utf8.RuneCountInString(line[len(kept):]))
			kept = fit(line, cols-len([]rune(note))-1)
			out[i] = kept + " " + msg(l, "cut-chars", utf8.RuneCountInString(line[len(kept):]))
		}
	}
	if above > 0 {
		out = append([]string{msg(l, "cut-lines", above)}, out...)
	}
	return out
}
