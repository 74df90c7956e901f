// Package verdict is the suite's verdict on a target, in the one format
// every part of the kit reads and writes: the suite writes it (--verdicts),
// and tools/grade, tools/check and tools/ports read it.
//
// A verdict says, per property ID, whether it passed, failed (it was
// judged and does not hold), was not judged (a step that only sets the
// property up failed), was skipped with a reason, or did not finish in
// time; which were judged only in part, and what was left out; when an ID ran more than once
// (grade --repeat, --rerun-failed), how many of its runs passed, and so
// whether it is unstable: it both passed and failed.
package verdict

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Verdict is one target's result.
type Verdict struct {
	Target string `json:"target"`
	Model  string `json:"model"`
	File   string `json:"file,omitempty"`
	// Seeds are the suite's random seeds, one per run merged into this
	// verdict: the order of the specs and every payload follow from it.
	Seeds  []int64  `json:"seeds,omitempty"`
	Failed []string `json:"failed"`
	Passed []string `json:"passed"`
	// NotJudged IDs ended in a setup step that failed (connecting the
	// spec's clients, bringing the server to a state), so the property
	// itself was never judged; Why and Detail hold the setup's words. It
	// is disjoint from Failed. A verdict written before this list existed
	// has such IDs under Failed.
	NotJudged []string `json:"not_judged,omitempty"`
	// Unstable IDs both passed and failed over the runs merged here; Runs
	// says how often each.
	Unstable []string `json:"unstable,omitempty"`
	// TimedOut IDs had not finished when the run's time was up.
	TimedOut []string          `json:"timed_out,omitempty"`
	Skip     map[string]string `json:"skipped,omitempty"` // ID → why the suite skipped it
	Why      map[string]string `json:"why,omitempty"`     // ID → first line of the failure (or of the setup's)
	// Detail is each failure's whole message: what the client sent and
	// received, the property's hint, the server's state and output tails.
	Detail map[string]string `json:"detail,omitempty"`
	// Partly says, per ID judged only in part, what its spec left out and
	// why (a --addr target's processes cannot be seen; no /proc on this
	// OS): its outcome stands for the part that was checked.
	Partly map[string]string `json:"partly,omitempty"`
	// Runs counts, per ID that ran more than once, its runs and passes.
	Runs map[string]Runs `json:"runs,omitempty"`
	// Reason is set when every spec failed for the same reason (the server
	// could not be built or started): the one line a teacher needs.
	Reason string `json:"reason,omitempty"`
}

// Runs is how often one ID ran, and passed.
type Runs struct {
	Ran    int `json:"ran"`
	Passed int `json:"passed"`
}

// Rate is the share of runs that passed, 0 to 1.
func (r Runs) Rate() float64 {
	if r.Ran == 0 {
		return 0
	}
	return float64(r.Passed) / float64(r.Ran)
}

// String reads "3 of 5 runs passed".
func (r Runs) String() string { return fmt.Sprintf("%d of %d runs passed", r.Passed, r.Ran) }

// New is an empty verdict on target, with every list and map made, so that
// its JSON never holds null.
func New(target, model string) Verdict {
	return Verdict{Target: target, Model: model, Failed: []string{}, Passed: []string{},
		Skip: map[string]string{}, Why: map[string]string{}, Detail: map[string]string{}}
}

// Count is how often id ran and passed in this verdict: from Runs when it
// ran more than once, else 1 and 1 or 0 as it passed or failed.
func (v *Verdict) Count(id string) Runs {
	if r, ok := v.Runs[id]; ok {
		return r
	}
	switch {
	case slices.Contains(v.Passed, id):
		return Runs{1, 1}
	case slices.Contains(v.Failed, id):
		return Runs{1, 0}
	}
	return Runs{}
}

// Ran reports whether id has an outcome: passed, failed, unstable or not
// judged.
func (v *Verdict) Ran(id string) bool {
	return v.Judged(id) || slices.Contains(v.NotJudged, id)
}

// Judged reports whether id was judged: passed, failed or unstable.
func (v *Verdict) Judged(id string) bool {
	return slices.Contains(v.Passed, id) || slices.Contains(v.Failed, id) || slices.Contains(v.Unstable, id)
}

// Merge joins verdicts on the same target from several runs (repeats, or a
// re-run of what failed): each ID's runs and passes add up; an ID that
// passed every time it ran is passed, one that never passed is failed,
// the others unstable. An ID skipped, timed out or not judged in one run
// and judged in another counts its judged runs only; one never judged but
// not judged in some run is not judged. The first failure's message is
// kept. The lists come back in the order sort gives them.
func Merge(sort func([]string) []string, vs ...Verdict) Verdict {
	if len(vs) == 0 {
		return New("", "")
	}
	out := New(vs[0].Target, vs[0].Model)
	out.File = vs[0].File
	counts := map[string]Runs{}
	timedOut, notJudged := map[string]bool{}, map[string]bool{}
	for _, v := range vs {
		out.Seeds = append(out.Seeds, v.Seeds...)
		if out.Reason == "" {
			out.Reason = v.Reason
		}
		for _, ids := range [][]string{v.Passed, v.Failed, v.Unstable} {
			for _, id := range ids {
				c := v.Count(id)
				if c.Ran == 0 { // unstable without runs: a hand-made file
					c = Runs{2, 1}
				}
				t := counts[id]
				counts[id] = Runs{t.Ran + c.Ran, t.Passed + c.Passed}
			}
		}
		for id, why := range v.Why {
			if slices.Contains(v.NotJudged, id) {
				continue // a judged run's words come first; see below
			}
			if _, ok := out.Why[id]; !ok {
				out.Why[id] = why
				if d, ok := v.Detail[id]; ok {
					out.Detail[id] = d
				}
			}
		}
		for id, why := range v.Skip {
			if _, ok := out.Skip[id]; !ok {
				out.Skip[id] = why
			}
		}
		for id, left := range v.Partly {
			if _, ok := out.Partly[id]; !ok {
				if out.Partly == nil {
					out.Partly = map[string]string{}
				}
				out.Partly[id] = left
			}
		}
		for _, id := range v.TimedOut {
			timedOut[id] = true
		}
		for _, id := range v.NotJudged {
			notJudged[id] = true
		}
	}
	for id, c := range counts {
		delete(out.Skip, id)
		switch {
		case c.Passed == c.Ran:
			out.Passed = append(out.Passed, id)
			delete(out.Why, id)
			delete(out.Detail, id)
		case c.Passed == 0:
			out.Failed = append(out.Failed, id)
		default:
			out.Unstable = append(out.Unstable, id)
		}
		if c.Ran > 1 {
			if out.Runs == nil {
				out.Runs = map[string]Runs{}
			}
			out.Runs[id] = c
		}
	}
	for id := range notJudged {
		if _, ran := counts[id]; ran {
			continue
		}
		out.NotJudged = append(out.NotJudged, id)
		delete(out.Skip, id)
		for _, v := range vs {
			if why, ok := v.Why[id]; ok && slices.Contains(v.NotJudged, id) {
				out.Why[id], out.Detail[id] = why, v.Detail[id]
				break
			}
		}
	}
	for id := range timedOut {
		if _, ran := counts[id]; !ran && !notJudged[id] {
			out.TimedOut = append(out.TimedOut, id)
			delete(out.Skip, id)
		}
	}
	out.Passed, out.Failed = sort(out.Passed), sort(out.Failed)
	if len(out.Unstable) > 0 {
		out.Unstable = sort(out.Unstable)
	} else {
		out.Unstable = nil
	}
	if len(out.TimedOut) > 0 {
		out.TimedOut = sort(out.TimedOut)
	} else {
		out.TimedOut = nil
	}
	if len(out.NotJudged) > 0 {
		out.NotJudged = sort(out.NotJudged)
	}
	return out
}

// Read reads a --verdicts file.
func Read(file string) ([]Verdict, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var vs []Verdict
	if err := json.Unmarshal(data, &vs); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return vs, nil
}

// Write writes vs to file through a temporary file in the same folder, so
// that a reader (or a run killed half-way) never sees half a file.
func Write(file string, vs []Verdict) error {
	data, err := json.MarshalIndent(vs, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".verdicts-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(data, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
