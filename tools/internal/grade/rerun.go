package grade

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// rerunPlan is what --rerun-failed does with one submission of the
// earlier run: keep it as it was (nothing failed), or run only some IDs
// again and merge the new verdict with prev.
type rerunPlan struct {
	keep bool
	only []string // nil: the whole suite (the earlier run could not judge it)
	prev *Verdict // merged with the new runs; nil for a whole re-run
}

// planRerun reads an earlier run's grade.json and plans the re-run: a
// submission with failed, unstable or timed-out IDs runs those again; one
// that could not be judged at all (it did not build or start, its suite
// wrote nothing) runs whole; the others are kept. dirs, if given, must
// be where the submissions are now: their folders are looked up by name
// there, for a grade.json made on another machine.
func planRerun(file string, dirs []string, course *manifest.Course) ([]*Submission, map[string]rerunPlan, error) {
	subs, err := readGradeFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("grade: --rerun-failed: %w", err)
	}
	plan := map[string]rerunPlan{}
	for _, s := range subs {
		if len(dirs) > 0 {
			s.Dir = findDir(dirs, s.Name, s.Dir)
		}
		if _, err := os.Stat(s.Dir); err != nil {
			return nil, nil, fmt.Errorf("grade: --rerun-failed %s: submission %q: its folder %s is gone; give the folder holding the submissions after the flags", file, s.Name, s.Dir)
		}
		v := s.Verdict
		var again []string
		again = append(again, v.Failed...)
		again = append(again, v.Unstable...)
		again = append(again, v.TimedOut...)
		again = append(again, v.NotJudged...)
		switch {
		case s.Problem != "" || v.Reason != "":
			// The earlier run could not judge it: run it whole, from its
			// manifest as it is now.
			fresh := load(s.Name, s.Dir, course)
			*s = *fresh
			plan[s.Name] = rerunPlan{}
		case len(again) == 0:
			plan[s.Name] = rerunPlan{keep: true}
		default:
			prev := v
			prev.TimedOut, prev.NotJudged = nil, nil // run again: a new outcome replaces them
			s.Overrun = ""
			plan[s.Name] = rerunPlan{only: slices.Compact(props.InOrder(again)), prev: &prev}
		}
	}
	return subs, plan, nil
}

// findDir is where submission name is among dirs now: DIR/name, or DIR
// itself when its last element is the name; old if neither exists.
func findDir(dirs []string, name, old string) string {
	for _, d := range dirs {
		for _, c := range []string{filepath.Join(d, filepath.FromSlash(name)), d} {
			if c == d && filepath.Base(d) != name {
				continue
			}
			if _, err := os.Stat(filepath.Join(c, "echospec.toml")); err == nil {
				return c
			}
		}
	}
	return old
}

// rubricOf is the rubric an earlier run's grade.json was graded with.
func rubricOf(file string) (*Rubric, error) {
	gf, err := readGradeJSON(file)
	if err != nil {
		return nil, fmt.Errorf("grade: --rerun-failed: %w", err)
	}
	r, err := parseRubric(gf.Rubric, gf.RubricText)
	if err != nil {
		return nil, fmt.Errorf("grade: --rerun-failed %s: its rubric: %w", file, err)
	}
	return r, nil
}
