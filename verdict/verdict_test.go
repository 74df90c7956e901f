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
