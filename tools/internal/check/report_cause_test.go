package check

import (
	"bytes"
	"strings"
	"testing"

	"github.com/echospec/echospec/diagnose"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// Failures that share a root cause are listed under it once, with the
// cause's hint, and each failure points at it instead of repeating a hint.
func TestReportGroupsFailuresUnderTheirCause(t *testing.T) {
	shared := func(to, from string) string {
		return diagnose.HeadCause + diagnose.SharedBuffer(to, from, []byte("client 1 of 64\n")).Line
	}
	v := &verdict{Target: "s", Model: "selector", Failed: []string{"CONC-1", "CONC-3", "ECHO-2"}, Passed: []string{},
		Detail: map[string]string{
			"CONC-1": "received 0 of 15 bytes, then nothing for 4s" + shared("client 2", "client 1") + "\n  hint: the failure's own hint",
			"CONC-3": "received 0 of 30 bytes, then nothing for 4s" + shared("client 1", "client 2") + "\n  hint: the failure's own hint",
			"ECHO-2": "received 0 of 274 bytes" + diagnose.HeadCause + "the server's own error: UnicodeDecodeError: 'utf-8' codec can't decode byte 0x80\n  hint: the server decodes",
		}}
	tg := &manifest.Target{Name: "s", Model: "selector", Mechanism: "epoll"}
	for _, l := range props.Langs {
		var out bytes.Buffer
		if code := report(&out, l, tg, selection{}, result{v: v}); code != exitFail {
			t.Fatalf("report (%s) = %d; want %d", l, code, exitFail)
		}
		text := out.String()
		words := map[props.Lang][3]string{
			props.En: {"the server hands one client's data to another", "(1) the server's own error: UnicodeDecodeError", "(2) client 2 received bytes"},
			props.Zh: {"共用同一个缓冲区", "(1) 服务器自身的错误：UnicodeDecodeError", "(2) 客户端 2 收到了"},
		}[l]
		if n := strings.Count(text, words[0]); n != 3 {
			t.Errorf("report (%s) names the shared buffer %d times; want once as a root cause and once in each of its 2 failures:\n%s", l, n, text)
		}
		if !strings.Contains(text, words[1]) || !strings.Contains(text, "CONC-1 CONC-3\n") || !strings.Contains(text, words[2]) {
			t.Errorf("report (%s) does not list the UnicodeDecodeError as cause (1) and CONC-1 CONC-3 under the shared buffer, (2):\n%s", l, text)
		}
		if strings.Contains(text, "the failure's own hint") {
			t.Errorf("report (%s) repeats the failures' own hint instead of the cause's:\n%s", l, text)
		}
		if h := props.Get("CONC-1").In(l).Hint; strings.Contains(text, h) {
			t.Errorf("report (%s) gives CONC-1's own hint though its cause has one:\n%s", l, text)
		}
	}
}

// A root cause that fails every spec (an undeclared greeting) gets its own
// hint, not the hint of a server that did not start.
func TestReportNamesTheRootCauseOfEverySpec(t *testing.T) {
	reason := "s: " + diagnose.GreetingLine([]byte("hello"), "s/echospec.toml")
	v := &verdict{Target: "s", Model: "multiplex", Failed: []string{"ECHO-1"}, Passed: []string{}, Reason: reason,
		Detail: map[string]string{"ECHO-1": reason}}
	var out bytes.Buffer
	report(&out, props.En, &manifest.Target{Name: "s", Model: "multiplex"}, selection{}, result{v: v})
	if text := out.String(); !strings.Contains(text, "one cause fails every property") || !strings.Contains(text, "declare greeting = \"hello\"") || strings.Contains(text, props.SetupHint(props.SetupStart, props.En)) {
		t.Errorf("report:\n%s\nwant the greeting as the one cause, with its hint, not the start's", text)
	}
}
