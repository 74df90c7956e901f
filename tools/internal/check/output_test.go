package check

import (
	"bytes"
	"strings"
	"testing"

	"github.com/echospec/echospec/props"
)

// The server's output leaves each failure and is shown once, each line
// cut to a width and the lines to a number, saying how much was left out.
func TestServerOutputOnceAndBounded(t *testing.T) {
	long := strings.Repeat("x", 2951)
	detail := func(id string) string {
		return "received 0 of 16 bytes\n  want:     the same bytes back\n  server s (pid 1, port 2): running\n  stdout (last lines):\n    | [... 30 lines above]\n    | got b'" + long + "'\n    | " + id + " done\n  hint: send all of it"
	}
	ps := []props.Property{}
	for _, id := range []string{"ECHO-1", "ECHO-2"} {
		p, ok := props.Lookup(id)
		if !ok {
			t.Fatalf("no %s", id)
		}
		ps = append(ps, p)
	}
	var b bytes.Buffer
	var outs []serverOutput
	for _, p := range ps {
		if o := failure(&b, props.En, p, props.Unknown, detail(p.ID), false); len(outs) == 0 {
			outs = o
		}
	}
	writeOutput(&b, props.En, outs)
	out := b.String()
	if n := strings.Count(out, "the server's last output"); n != 1 {
		t.Errorf("the server's output is shown %d times; want once:\n%s", n, out)
	}
	for _, want := range []string{
		"the server's last output (stdout), in ECHO-1's spec:",
		"    | … (30 earlier lines not shown)\n",
		" … (2,",
		"    | ECHO-1 done\n",
		"  server s (pid 1, port 2): running",
	} {
		if !strings.Contains(out, want) && !(want == " … (2," && strings.Contains(out, " more characters)")) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ECHO-2 done") {
		t.Errorf("the second failure's output is shown too:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if w := len([]rune(line)); w > outputCols+len("    | ") {
			t.Errorf("a line of %d columns: %.80q…", w, line)
		}
	}
	got := bound(props.Zh, []string{strings.Repeat("数", 100)}, 40, 12)
	if len(got) != 1 || !strings.HasSuffix(got[0], "…（还有 87 个字符）") || len([]rune(got[0])) > 40 {
		t.Errorf("bound(zh) = %q", got)
	}
	many := make([]string, 20)
	got = bound(props.En, many, 40, 12)
	if len(got) != 13 || got[0] != "… (8 earlier lines not shown)" {
		t.Errorf("bound(20 lines, 12) = %q", got)
	}
}
