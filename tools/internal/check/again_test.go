package check

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/props"
)

func TestWriteChangesAndMerge(t *testing.T) {
	var ps []props.Property
	for _, id := range []string{"ECHO-1", "ECHO-2", "LIFE-1", "LIFE-2"} {
		p, ok := props.Lookup(id)
		if !ok {
			t.Fatalf("no %s", id)
		}
		ps = append(ps, p)
	}
	prev := &verdict{Passed: []string{"ECHO-1", "ECHO-2"}, Failed: []string{"LIFE-1"}, Skip: map[string]string{"LIFE-2": "no /proc"}}
	first := &verdict{Passed: []string{"LIFE-1"}, NotJudged: []string{"LIFE-3"}, Partly: map[string]string{"LIFE-1": "y"}}
	rest := &verdict{Passed: []string{"ECHO-2"}, Failed: []string{"ECHO-1"}, Detail: map[string]string{"ECHO-1": "x"}}
	now := mergeVerdicts(first, rest)
	if !slices.Equal(now.Passed, []string{"LIFE-1", "ECHO-2"}) || !slices.Equal(now.Failed, []string{"ECHO-1"}) || now.Detail["ECHO-1"] != "x" ||
		!slices.Equal(now.NotJudged, []string{"LIFE-3"}) || now.Partly["LIFE-1"] != "y" {
		t.Errorf("mergeVerdicts = %+v; want both suites' outcomes, not judged and partly judged included", now)
	}
	if got := failedBefore(prev, ps); !slices.Equal(got, []string{"LIFE-1"}) {
		t.Errorf("failedBefore = %v; want [LIFE-1]", got)
	}
	for _, c := range []struct {
		l    props.Lang
		want []string
	}{
		{props.En, []string{"since the last run:", "  ECHO-1: passed → failed", "  LIFE-1: failed → passed", "  LIFE-2: skipped → not run"}},
		{props.Zh, []string{"与上次相比：", "  ECHO-1：通过 → 失败", "  LIFE-1：失败 → 通过", "  LIFE-2：跳过 → 未运行"}},
	} {
		var b bytes.Buffer
		writeChanges(&b, c.l, ps, prev, now)
		if got := strings.Split(strings.TrimSpace(b.String()), "\n"); !slices.Equal(got, c.want) {
			t.Errorf("writeChanges(%s) =\n%s\nwant\n%s", c.l, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	var b bytes.Buffer
	writeChanges(&b, props.En, ps, prev, prev)
	if strings.TrimSpace(b.String()) != "no property changed since the last run" {
		t.Errorf("no change: %q", b.String())
	}
}
