// Package spec is echospec's behavioural suite. It runs every property of
// props against every selected target: the reference servers under
// fixtures/targets by default, or the manifests and addresses given with
// --target and --addr.
//
//	go tool ginkgo ./spec
//	go tool ginkgo ./spec -- --target path/to/student
//	go tool ginkgo --label-filter='family:echo && model:single' ./spec
package spec_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/rlimit"
	"github.com/echospec/echospec/verdict"
)

// Flags, given after `--` on the ginkgo command line.
var (
	targetFlags stringList
	addrFlag    = flag.String("addr", "", "test a server already running at host:port (needs --model)")
	modelFlag   = flag.String("model", "", "the model of the --addr server: "+strings.Join(manifest.Models, ", "))
	poolFlag    = flag.Int("pool", 0, "the pool size of the --addr server, if it is a bounded pool")
	patience    = flag.Float64("patience", envFloat("ECHOSPEC_PATIENCE", 1), "multiply every deadline by this factor (also $ECHOSPEC_PATIENCE)")
	everyModel  = flag.Bool("every-model", false, "build the tree for one stand-in target per model and pool variant (for --dry-run listings such as the catalogue)")
	verdictFile = flag.String("verdicts", "", "write each target's verdict (failed, passed and skipped IDs) to this JSON file")
	sandboxFlag = flag.Bool("sandbox", true, "run every server and build in a sandbox of its own (Linux): its own user, a read-only view without the class, the homes or the outputs, its own processes, bounded memory and disk; --sandbox=false runs them as the kit's user")
	hideFlags   stringList
	memoryFlag  = flag.String("memory", "", "raise (or lower) every server's memory limit, e.g. 2GiB (default "+rlimit.Bytes(rlimit.Defaults.Memory)+"); a manifest's [limits] memory may only lower it")
	diskFlag    = flag.String("disk", "", "raise (or lower) every server's disk limit, e.g. 1GiB (default "+rlimit.Bytes(rlimit.Defaults.Disk)+"); a manifest's [limits] disk may only lower it")
	courseFlag  = flag.String("manifest", "", "a course's manifest (grade --manifest): it decides the model, pool, mechanism and limits of every --target, whose own echospec.toml may set only the keys of --student-may-set")
	maySetFlag  = flag.String("student-may-set", strings.Join(manifest.StudentMaySet, ","), "with --manifest: the keys a target's own echospec.toml may set, comma-separated")
)

func init() {
	flag.Var(&targetFlags, "target", "a manifest, a server folder, or a folder of them; repeatable (also $ECHOSPEC_TARGET, colon-separated); default: fixtures/targets")
	flag.Var(&hideFlags, "hide", "a folder no server may see (the class, the grader's outputs); repeatable; each target's parent folder and the temporary folder are always hidden")
}

// targets are the servers under test, chosen before the tree is built.
var targets []*manifest.Target

func TestSpec(t *testing.T) {
	for _, f := range []struct {
		name, v string
		dst     *uint64
	}{{"memory", *memoryFlag, &rlimit.Defaults.Memory}, {"disk", *diskFlag, &rlimit.Defaults.Disk}} {
		if f.v == "" {
			continue
		}
		n, err := rlimit.ParseBytes(f.v)
		if err != nil {
			t.Fatalf("echospec: --%s: %v", f.name, err)
		}
		*f.dst = n
	}
	var err error
	targets, err = selectTargets()
	if err != nil {
		t.Fatalf("echospec: %v", err)
	}
	if *patience <= 0 {
		t.Fatalf("echospec: --patience %v: it must be a positive factor, e.g. 2 on a slow machine", *patience)
	}
	if err := checkLang(); err != nil {
		t.Fatalf("echospec: %v", err)
	}
	RegisterFailHandler(failWithContext)
	RunSpecs(t, "echospec")
}

// selectTargets resolves the flags to targets.
func selectTargets() ([]*manifest.Target, error) {
	if *everyModel {
		var ts []*manifest.Target
		for _, m := range manifest.Models {
			ts = append(ts, manifest.Remote("127.0.0.1:1", m, 0))
			ts[len(ts)-1].Name = m
			if m == "multiprocess" || m == "multithread" {
				ts = append(ts, manifest.Remote("127.0.0.1:1", m, 4))
				ts[len(ts)-1].Name = m + "-pool"
			}
			if m == "multiplex" {
				ts = append(ts, manifest.Remote("127.0.0.1:1", m, 0))
				ts[len(ts)-1].Name, ts[len(ts)-1].Mechanism = m+"-select", "select"
			}
		}
		return ts, nil
	}
	if *addrFlag != "" {
		if !slices.Contains(manifest.Models, *modelFlag) {
			return nil, fmt.Errorf("--addr %s needs --model, one of %s (got %q)", *addrFlag, strings.Join(manifest.Models, ", "), *modelFlag)
		}
		if err := manifest.CheckPool(*modelFlag, *poolFlag); err != nil {
			return nil, fmt.Errorf("--pool %d: %v", *poolFlag, err)
		}
		return []*manifest.Target{manifest.Remote(*addrFlag, *modelFlag, *poolFlag)}, nil
	}
	discover := manifest.Discover
	if *courseFlag != "" {
		c, err := manifest.LoadCourse(*courseFlag, splitList(*maySetFlag))
		if err != nil {
			return nil, err
		}
		discover = c.Discover
	}
	paths := []string(targetFlags)
	if len(paths) == 0 {
		if env := os.Getenv("ECHOSPEC_TARGET"); env != "" {
			paths = filepath.SplitList(env)
		}
	}
	if len(paths) == 0 {
		paths = []string{filepath.Join("..", "fixtures", "targets")}
	}
	var all []*manifest.Target
	for _, p := range paths {
		ts, err := discover(p)
		if err != nil {
			return nil, err
		}
		all = append(all, ts...)
	}
	return all, manifest.Unique(all)
}

// The tree: one container per target, labelled with its name and model,
// holding every family's specs that apply to the target's model.
var _ = Describe("echospec", func() {
	for _, tg := range targets {
		labels := Label("target:"+tg.Name, "model:"+tg.Model)
		var decorators []any
		if tg.Port != 0 && !isolated() {
			// Without a network namespace per server, a fixed port cannot
			// be shared by parallel processes.
			decorators = append(decorators, Serial)
		}
		Describe(fmt.Sprintf("target %s (%s)", tg.Name, describeModel(tg)), labels, decorators, func() {
			for _, f := range props.Families {
				if add := families[f.Name]; add != nil {
					Describe(f.Title, Label("family:"+f.Name), func() { add(tg) })
				}
			}
		})
	}
})

// families maps a family name to the function adding its specs for one
// target; each family's file registers itself.
var families = map[string]func(*manifest.Target){}

func family(name string, add func(*manifest.Target)) bool {
	families[name] = add
	return true
}

func describeModel(tg *manifest.Target) string {
	return manifest.DescribeModel(tg.Model, tg.Pool, tg.Mechanism)
}

// scaled applies the patience factor to a deadline.
func scaled(d time.Duration) time.Duration { return time.Duration(float64(d) * *patience) }

// collect turns the spec reports into one verdict per target. A spec cut
// short by an interrupt (grade's time limit sends SIGTERM) did not finish:
// it is timed out, not failed; one whose setup step failed is not judged.
func collect(reports []types.SpecReport) []verdict.Verdict {
	byName := map[string]*verdict.Verdict{}
	var all []verdict.Verdict
	for _, tg := range targets {
		v := verdict.New(tg.Name, tg.Model)
		v.File, v.Seeds = tg.File, []int64{GinkgoRandomSeed()}
		all = append(all, v)
	}
	for i := range all {
		byName[all[i].Target] = &all[i]
	}
	for _, s := range reports {
		name, id := labelValue(s.Labels(), "target:"), props.IDFromLabels(s.Labels())
		v := byName[name]
		if v == nil || id == "" {
			continue
		}
		if left := leftOut(s); left != "" && (s.State.Is(types.SpecStatePassed) || s.State.Is(types.SpecStateFailureStates) && !notJudged(s)) {
			if v.Partly == nil {
				v.Partly = map[string]string{}
			}
			v.Partly[id] = left
		}
		switch {
		case s.State.Is(types.SpecStatePassed):
			v.Passed = append(v.Passed, id)
		case s.State.Is(types.SpecStateSkipped) && s.Failure.Message != "":
			v.Skip[id] = why(s) // skipped for a reason, not filtered out
		case s.State.Is(types.SpecStateInterrupted):
			v.TimedOut = append(v.TimedOut, id)
		case s.State.Is(types.SpecStateFailureStates) && notJudged(s):
			v.NotJudged = append(v.NotJudged, id)
			v.Why[id] = why(s)
			v.Detail[id] = s.Failure.Message
		case s.State.Is(types.SpecStateFailureStates):
			v.Failed = append(v.Failed, id)
			v.Why[id] = why(s)
			v.Detail[id] = s.Failure.Message
		}
	}
	for i := range all {
		if b, ok := builds[all[i].Target]; ok && b.Err != "" {
			all[i].Reason = b.Reason
		}
	}
	return all
}

// serialRun reports whether this is the suite's only process: then it
// writes --verdicts after every spec, so that a run killed at its time
// limit keeps the verdicts it reached.
func serialRun() bool {
	cfg, _ := GinkgoConfiguration()
	return cfg.ParallelTotal <= 1
}

var finished []types.SpecReport

var _ = ReportAfterEach(func(r SpecReport) {
	if *verdictFile == "" || !serialRun() {
		return
	}
	finished = append(finished, r)
	if err := verdict.Write(*verdictFile, collect(finished)); err != nil {
		fmt.Fprintf(os.Stderr, "echospec: writing --verdicts %s: %v\n", *verdictFile, err)
	}
})

var _ = ReportAfterSuite("verdicts", func(r Report) {
	all := collect(r.SpecReports)
	var summary strings.Builder
	summary.WriteString("\nechospec verdicts\n")
	for _, v := range all {
		state := "PASS"
		switch {
		case v.Reason != "":
			state = "FAIL every spec: " + v.Reason
		case mechanismMissing(tgByName(v.Target)) != "" && len(v.Passed) == 0 && len(v.Failed) == 0:
			state = "SKIP every spec: " + mechanismMissing(tgByName(v.Target))
		case len(v.Failed) > 0 || len(v.NotJudged) > 0:
			var parts []string
			if len(v.Failed) > 0 {
				parts = append(parts, "FAIL "+strings.Join(v.Failed, " "))
			}
			if len(v.NotJudged) > 0 {
				parts = append(parts, "NOT JUDGED (setup failed) "+strings.Join(v.NotJudged, " "))
			}
			state = strings.Join(parts, "; ")
		case len(v.TimedOut) > 0:
			state = "TIMED OUT " + strings.Join(v.TimedOut, " ")
		case len(v.Passed) == 0:
			state = "not run"
		}
		if len(v.Partly) > 0 {
			state += " (partly judged: " + strings.Join(slices.Sorted(maps.Keys(v.Partly)), " ") + ")"
		}
		fmt.Fprintf(&summary, "  %-24s %-13s %3d passed, %2d skipped  %s\n", v.Target, v.Model, len(v.Passed), len(v.Skip), state)
	}
	fmt.Fprintf(&summary, "  seed %d: --ginkgo.seed %d runs the same order and payloads\n", GinkgoRandomSeed(), GinkgoRandomSeed())
	fmt.Fprint(os.Stdout, summary.String())
	if *verdictFile != "" {
		if err := verdict.Write(*verdictFile, all); err != nil {
			Fail(fmt.Sprintf("writing --verdicts %s: %v", *verdictFile, err))
		}
	}
})

// tgByName is the target called name.
func tgByName(name string) *manifest.Target {
	for _, tg := range targets {
		if tg.Name == name {
			return tg
		}
	}
	return &manifest.Target{}
}

func labelValue(labels []string, prefix string) string {
	for _, l := range labels {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return v
		}
	}
	return ""
}

// headlineEntry is the report entry in which failed keeps a failure's
// headline, for the verdict's why.
const headlineEntry = "echospec-failure"

// failure is what failed records: the failure's one-line headline, the
// whole message it failed with, and whether a setup step failed (the
// property was then not judged).
type failure struct {
	Headline string `json:"headline"`
	Message  string `json:"message"`
	Setup    bool   `json:"setup,omitempty"`
}

// failed fails the spec with message, keeping headline for the verdict;
// setup says the spec failed before its property was judged. skip counts
// the callers above failed's own to report the failure at.
func failed(headline, message string, setup bool, skip int) {
	AddReportEntry(headlineEntry, failure{headline, message, setup}, ReportEntryVisibilityNever)
	Fail(message, skip+1)
}

// why is the one-line reason of a failed or skipped spec: the headline
// failed recorded with the message the spec ended with; else, for a
// failure of Ginkgo's own (a timeout, a panic) or a skip, whose messages
// are one line, that message's first line.
func why(s types.SpecReport) string {
	if f, ok := recorded(s); ok {
		return f.Headline
	}
	head, _, _ := strings.Cut(strings.TrimSpace(s.Failure.Message), "\n")
	return head
}

// partlyEntry is the report entry in which partly keeps a part of a
// spec's check that it left out.
const partlyEntry = "echospec-partly"

// partly records that the spec leaves out part of its check: what, and
// why it cannot be checked here. The verdict then says the property was
// judged only in part, and what was left out.
func partly(what, why string) {
	By(fmt.Sprintf("not checking %s: %s", what, why))
	AddReportEntry(partlyEntry, what+": "+why, ReportEntryVisibilityNever)
}

// leftOut is what a spec recorded with partly, joined; "" if nothing.
func leftOut(s types.SpecReport) string {
	var parts []string
	for _, e := range s.ReportEntries {
		if e.Name != partlyEntry {
			continue
		}
		// In this process the entry holds the value; from another, its JSON.
		what, ok := e.Value.GetRawValue().(string)
		if !ok && json.Unmarshal([]byte(e.Value.AsJSON), &what) != nil {
			continue
		}
		if !slices.Contains(parts, what) {
			parts = append(parts, what)
		}
	}
	return strings.Join(parts, "; ")
}

// notJudged reports whether the spec ended in a failed setup step.
// Ginkgo's own failures (a timeout, a panic) are the property's.
func notJudged(s types.SpecReport) bool {
	f, ok := recorded(s)
	return ok && f.Setup
}

// recorded is what failed recorded with the message the spec ended with.
func recorded(s types.SpecReport) (failure, bool) {
	for _, e := range s.ReportEntries {
		if e.Name != headlineEntry {
			continue
		}
		// In this process the entry holds the value; from another, its JSON.
		f, ok := e.Value.GetRawValue().(failure)
		if !ok && json.Unmarshal([]byte(e.Value.AsJSON), &f) != nil {
			continue
		}
		if f.Message == s.Failure.Message {
			return f, true
		}
	}
	return failure{}, false
}

// splitList splits a comma-separated flag, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func envFloat(name string, def float64) float64 {
	var f float64
	if v := os.Getenv(name); v != "" {
		if _, err := fmt.Sscan(v, &f); err == nil {
			return f
		}
	}
	return def
}
