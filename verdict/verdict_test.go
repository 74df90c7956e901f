package verdict

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func TestMerge(t *testing.T) {
	a := New("x", "single")
	a.Passed, a.Failed, a.Seeds = []string{"A", "B"}, []string{"C"}, []int64{1}
	a.Why["C"], a.Detail["C"] = "C broke", "C broke\n  hint: …"
	a.Skip["D"] = "no /proc"
	a.Partly = map[string]string{"A": "the descriptor count: no /proc"}
	b := New("x", "single")
	b.Passed, b.Failed, b.Seeds = []string{"A", "C"}, []string{"B"}, []int64{2}
	b.Why["B"] = "B broke"
	b.TimedOut = []string{"E"}
	c := New("x", "single")
	c.Passed, c.Seeds, c.TimedOut = []string{"A"}, []int64{3}, []string{"B"}

	m := Merge(func(ids []string) []string { s := slices.Clone(ids); slices.Sort(s); return s }, a, b, c)
	if !slices.Equal(m.Passed, []string{"A"}) || len(m.Failed) != 0 || !slices.Equal(m.Unstable, []string{"B", "C"}) {
		t.Errorf("passed %v, failed %v, unstable %v; want A passed, B and C unstable", m.Passed, m.Failed, m.Unstable)
	}
	if m.Runs["A"] != (Runs{3, 3}) || m.Runs["B"] != (Runs{2, 1}) || m.Count("C") != (Runs{2, 1}) {
		t.Errorf("runs %v; want A 3/3, B 1/2 (its timeout in run 3 not counted), C 1/2", m.Runs)
	}
	if !slices.Equal(m.TimedOut, []string{"E"}) || m.Skip["D"] != "no /proc" {
		t.Errorf("timed out %v, skipped %v; want E timed out (it never ran), D skipped", m.TimedOut, m.Skip)
	}
	if m.Why["C"] != "C broke" || m.Detail["C"] == "" || !slices.Equal(m.Seeds, []int64{1, 2, 3}) {
		t.Errorf("why %v, seeds %v; want the failing run's message kept and every seed", m.Why, m.Seeds)
	}
	if m.Partly["A"] != "the descriptor count: no /proc" || len(m.Partly) != 1 {
		t.Errorf("partly %v; want A's part left out kept from the run that left it out", m.Partly)
	}
	if m.Runs["B"].String() != "1 of 2 runs passed" {
		t.Errorf("%q", m.Runs["B"].String())
	}
}

func TestWriteRead(t *testing.T) {
	file := filepath.Join(t.TempDir(), "v.json")
	v := New("x", "multiplex")
	v.Passed, v.Unstable, v.Runs = []string{"ECHO-1"}, []string{"ECHO-2"}, map[string]Runs{"ECHO-2": {3, 1}}
	if err := Write(file, []Verdict{v}); err != nil {
		t.Fatal(err)
	}
	got, err := Read(file)
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0].Runs, v.Runs) || !slices.Equal(got[0].Unstable, v.Unstable) {
		t.Fatalf("read back %+v, %v; want %+v", got, err, v)
	}
}

// A spec not judged in one run and judged in another counts its judged
// runs, with the judged run's words; one never judged stays not judged,
// with its setup's words.
func TestMergeNotJudged(t *testing.T) {
	a := New("x", "single")
	a.NotJudged, a.Failed = []string{"A", "B"}, []string{"C"}
	a.Why = map[string]string{"A": "setup A", "B": "setup B", "C": "C broke"}
	b := New("x", "single")
	b.Failed, b.NotJudged, b.Passed = []string{"A"}, []string{"B"}, []string{"C"}
	b.Why = map[string]string{"A": "A broke", "B": "setup B again"}
	m := Merge(func(ids []string) []string { s := slices.Clone(ids); slices.Sort(s); return s }, a, b)
	if !slices.Equal(m.Failed, []string{"A"}) || !slices.Equal(m.NotJudged, []string{"B"}) || !slices.Equal(m.Unstable, []string{"C"}) {
		t.Fatalf("failed %v, not judged %v, unstable %v; want A failed, B not judged, C unstable", m.Failed, m.NotJudged, m.Unstable)
	}
	if m.Why["A"] != "A broke" || m.Why["B"] != "setup B" || m.Count("A") != (Runs{1, 0}) {
		t.Fatalf("why %v, A %v; want A's judged words, B's first setup words, A run once", m.Why, m.Count("A"))
	}
	if !m.Ran("B") || m.Judged("B") || !m.Judged("A") {
		t.Fatalf("Ran/Judged of B and A wrong")
	}
}
