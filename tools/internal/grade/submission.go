package grade

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/verdict"
)

// Submission is one graded folder: where it is, what its manifest claims,
// and the suite's verdict on it. It is what a shard writes to grade.json
// and what merge reads back, so every output can be made again from it.
type Submission struct {
	// Name identifies the submission in every output: the folder's path
	// below the DIR it was found in ("alice", or "sec1/alice"), or the
	// folder's name when DIR is the submission itself.
	Name string `json:"name"`
	// Dir is the submission's folder, as found.
	Dir string `json:"dir"`
	// Server is the name the manifest gives the server, when it is not
	// Name: the suite's messages call the server by it, the outputs by
	// Name.
	Server    string `json:"server,omitempty"`
	Model     string `json:"model,omitempty"`
	Pool      int    `json:"pool,omitempty"`
	Mechanism string `json:"mechanism,omitempty"`
	// Port is the manifest's fixed port; 0 when the kit picks one.
	Port int `json:"port,omitempty"`
	// Expect is the manifest's [expect], for --expect.
	Expect Expectation `json:"expect"`
	// Ignored says, one sentence each, which keys of the student's own
	// echospec.toml were not used because the course's manifest (grade
	// --manifest, Gradescope) decides them.
	Ignored []string `json:"ignored,omitempty"`
	// Problem says why the suite could not give a whole verdict: a broken
	// manifest, a run that overran its time, a suite that wrote nothing.
	Problem string `json:"problem,omitempty"`
	// Overrun says that the suite ran past its time and was stopped: the
	// verdicts it reached stand, the rest are timed out.
	Overrun string  `json:"overrun,omitempty"`
	Verdict Verdict `json:"verdict"`
	// Code is the language the server is written in, as its manifest's
	// build or command tells: the hints name its constructs.
	Code props.Code `json:"code,omitempty"`
}

// Expectation is a manifest's [expect], as target reads it: the IDs the
// submission must fail (or ["*"]), those it may fail, and the phrase each
// failure's first line must contain.
type Expectation = manifest.Expectation

// Verdict is the suite's verdict on one target (package verdict).
type Verdict = verdict.Verdict

// Reason is the one line that explains a submission's grade when the suite
// could not judge it property by property; "" when it could. The port the
// kit picked and process IDs are left out, so that grading twice writes
// the same grades.csv and summary.md, and so is the server's name that
// opens it: every output shows the line beside the submission's name.
func (s *Submission) Reason() string {
	r := s.Problem
	if r == "" {
		r = s.Verdict.Reason
	}
	r, _, _ = strings.Cut(r, "\n")
	r = s.unprefixed(r)
	if s.Port == 0 {
		return steady(r)
	}
	return pidNumber.ReplaceAllString(r, "${1}{pid}")
}

// steady is line with what differs from run to run left out: process IDs
// and the ports the kit picks.
func steady(line string) string {
	line = pidNumber.ReplaceAllString(line, "${1}{pid}")
	return portNumber.ReplaceAllString(line, "the port the kit chose")
}

// unprefixed is line without the "NAME: " the launcher opens its
// headlines with, NAME being the server's name.
func (s *Submission) unprefixed(line string) string {
	for _, n := range []string{s.Server, s.Name} {
		if rest, ok := strings.CutPrefix(line, n+": "); ok && n != "" {
			return rest
		}
	}
	return line
}

// inFolderNames is text with the server called by the submission's name
// wherever the suite's messages call it by the manifest's: the server
// paragraph ("server NAME (pid …)") and the headlines ("NAME: …").
func (s *Submission) inFolderNames(text string) string {
	if s.Server == "" {
		return text
	}
	text = strings.ReplaceAll(text, "server "+s.Server+" (", "server "+s.Name+" (")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, s.Server+": "); ok {
			lines[i] = s.Name + ": " + rest
		}
	}
	return strings.Join(lines, "\n")
}

var (
	pidNumber  = regexp.MustCompile(`\b(pid )\d+`)
	portNumber = regexp.MustCompile(`\bport \d+`)
)

// applies lists the properties the suite checks for the submission's model
// and pool, in catalogue order.
func (s *Submission) applies() []props.Property {
	var ps []props.Property
	for _, p := range props.All() {
		if p.Applies(s.Model, s.Pool, s.Mechanism) {
			ps = append(ps, p)
		}
	}
	return ps
}

// complete makes the verdict whole: every property that applies and has
// no outcome is timed out when the run overran its time (timedOut), and
// otherwise not judged, with reason (or "did not run"). Lists come out
// sorted, so two runs with the same outcome write the same bytes.
func (s *Submission) complete(reason string, timedOut bool) {
	v := &s.Verdict
	if v.Why == nil {
		v.Why = map[string]string{}
	}
	why := reason
	if why == "" {
		why = "did not run: the suite ended before it reached this spec"
	}
	for _, p := range s.applies() {
		_, skipped := v.Skip[p.ID]
		switch {
		case v.Ran(p.ID) || skipped || slices.Contains(v.TimedOut, p.ID):
		case timedOut:
			v.TimedOut = append(v.TimedOut, p.ID)
		default: // never got to judge it
			v.NotJudged = append(v.NotJudged, p.ID)
			v.Why[p.ID] = why
		}
	}
	if len(v.NotJudged) > 0 {
		v.NotJudged = props.InOrder(v.NotJudged)
	}
	v.Failed = props.InOrder(v.Failed)
	v.Passed = props.InOrder(v.Passed)
	if v.Failed == nil {
		v.Failed = []string{}
	}
	if v.Passed == nil {
		v.Passed = []string{}
	}
	if len(v.TimedOut) > 0 {
		v.TimedOut = props.InOrder(v.TimedOut)
	}
	if len(v.Unstable) > 0 {
		v.Unstable = props.InOrder(v.Unstable)
	}
}

// discover finds the submissions under each dir: dir itself if it holds
// an echospec.toml, else every folder below it that does (hidden folders
// are not searched). A manifest that does not load is still a submission,
// graded zero with the loader's message: one bad submission never stops
// the class. Two submissions with the same name are an error, since every
// output is keyed by it.
func discover(dirs []string, course *manifest.Course) ([]*Submission, error) {
	var subs []*Submission
	for _, root := range dirs {
		st, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("grade: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("grade: %s is not a folder; give the folder holding the submissions", root)
		}
		var found []string
		err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && d.Name() == manifest.FileName {
				found = append(found, filepath.Dir(p))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("grade: %w", err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("grade: %s: no %s in it or below it", root, manifest.FileName)
		}
		for _, dir := range found {
			name, err := filepath.Rel(root, dir)
			if err != nil || name == "." {
				name = filepath.Base(dir)
			}
			subs = append(subs, load(filepath.ToSlash(name), dir, course))
		}
	}
	slices.SortFunc(subs, func(a, b *Submission) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(subs); i++ {
		if subs[i].Name == subs[i-1].Name {
			return nil, fmt.Errorf("grade: %s and %s are both named %q: grade them in separate runs, or rename one folder", subs[i-1].Dir, subs[i].Dir, subs[i].Name)
		}
	}
	return subs, nil
}

// load reads one submission's manifest; with a course's manifest (not
// nil), as the course sees it.
func load(name, dir string, course *manifest.Course) *Submission {
	s := &Submission{Name: name, Dir: dir}
	var tg *manifest.Target
	var err error
	if course != nil {
		tg, s.Ignored, err = course.Apply(dir)
	} else {
		tg, err = manifest.Load(dir)
	}
	if err != nil {
		s.Problem = "the manifest does not load: " + err.Error()
		s.Verdict = verdict.New(name, "")
		return s
	}
	s.Model, s.Pool, s.Mechanism, s.Port = tg.Model, tg.Pool, tg.Mechanism, tg.Port
	s.Code = props.CodeOf(tg.Command, tg.Build)
	if tg.Name != name {
		s.Server = tg.Name
	}
	s.Expect = tg.Expect
	if s.Expect.Fail == nil {
		s.Expect.Fail = []string{}
	}
	return s
}

// shard picks the submissions of shard i of n (1-based): every n-th of the
// list sorted by name, starting with the i-th, so each shard gets a like
// share and the same class always splits the same way.
func shard(subs []*Submission, i, n int) []*Submission {
	sorted := slices.Clone(subs)
	slices.SortFunc(sorted, func(a, b *Submission) int { return strings.Compare(a.Name, b.Name) })
	var out []*Submission
	for k, s := range sorted {
		if k%n == i-1 {
			out = append(out, s)
		}
	}
	return out
}

// parseShard reads "i/n" with 1 <= i <= n.
func parseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(a)
		if err == nil {
			n, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("grade: --shard %q: want i/n with 1 <= i <= n, e.g. --shard 2/4", s)
	}
	return i, n, nil
}
