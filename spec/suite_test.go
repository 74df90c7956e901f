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
)

func init() {
	flag.Var(&targetFlags, "target", "a manifest, a server folder, or a folder of them; repeatable (also $ECHOSPEC_TARGET, colon-separated); default: fixtures/targets")
}

// targets are the servers under test, chosen before the tree is built.
var targets []*manifest.Target

func TestSpec(t *testing.T) {
	var err error
	targets, err = selectTargets()
	if err != nil {
		t.Fatalf("echospec: %v", err)
	}
	if *patience <= 0 {
		t.Fatalf("echospec: --patience %v: it must be a positive factor, e.g. 2 on a slow machine", *patience)
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
		return []*manifest.Target{manifest.Remote(*addrFlag, *modelFlag, *poolFlag)}, nil
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
		ts, err := manifest.Discover(p)
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
	s := tg.Model
	if tg.Pool > 0 {
		s += fmt.Sprintf(", pool %d", tg.Pool)
	}
	if tg.Mechanism != "" {
		s += ", " + tg.Mechanism
	}
	return s
}

// scaled applies the patience factor to a deadline.
func scaled(d time.Duration) time.Duration { return time.Duration(float64(d) * *patience) }

// verdict is one target's result, as written to --verdicts.
type verdict struct {
	Target string            `json:"target"`
	Model  string            `json:"model"`
	File   string            `json:"file,omitempty"`
	Failed []string          `json:"failed"`
	Passed []string          `json:"passed"`
	Skip   map[string]string `json:"skipped,omitempty"`
	Why    map[string]string `json:"why,omitempty"` // ID → first line of the failure
	// Detail is each failure's whole message: what the client sent and
	// received, the property's hint, the server's state and output tails.
	Detail map[string]string `json:"detail,omitempty"`
	// Reason is set when every spec failed for the same reason (the server
	// could not be built or started): the one line a teacher needs.
	Reason string `json:"reason,omitempty"`
}

var _ = ReportAfterSuite("verdicts", func(r Report) {
	byName := map[string]*verdict{}
	var order []string
	for _, tg := range targets {
		byName[tg.Name] = &verdict{Target: tg.Name, Model: tg.Model, File: tg.File, Failed: []string{}, Passed: []string{}, Skip: map[string]string{}, Why: map[string]string{}, Detail: map[string]string{}}
		order = append(order, tg.Name)
	}
	for _, s := range r.SpecReports {
		name, id := labelValue(s.Labels(), "target:"), props.IDFromLabels(s.Labels())
		v := byName[name]
		if v == nil || id == "" {
			continue
		}
		switch {
		case s.State.Is(types.SpecStatePassed):
			v.Passed = append(v.Passed, id)
		case s.State.Is(types.SpecStateSkipped) && s.Failure.Message != "":
			v.Skip[id] = firstLine(s.Failure.Message) // skipped for a reason, not filtered out
		case s.State.Is(types.SpecStateFailureStates):
			v.Failed = append(v.Failed, id)
			v.Why[id] = firstLine(s.Failure.Message)
			v.Detail[id] = s.Failure.Message
		}
	}
	var all []*verdict
	var summary strings.Builder
	summary.WriteString("\nechospec verdicts\n")
	for _, name := range order {
		v := byName[name]
		all = append(all, v)
		state := "PASS"
		if len(v.Failed) > 0 {
			state = "FAIL " + strings.Join(v.Failed, " ")
		} else if len(v.Passed) == 0 {
			state = "not run"
		}
		if b, ok := builds[v.Target]; ok && b.Err != "" {
			v.Reason = firstLine(b.Err)
			state = "FAIL every spec: " + v.Reason
		} else if why := mechanismMissing(tgByName(v.Target)); why != "" && len(v.Passed) == 0 && len(v.Failed) == 0 {
			state = "SKIP every spec: " + why
		}
		fmt.Fprintf(&summary, "  %-24s %-13s %3d passed, %2d skipped  %s\n", v.Target, v.Model, len(v.Passed), len(v.Skip), state)
	}
	fmt.Fprint(os.Stdout, summary.String())
	if *verdictFile != "" {
		data, err := json.MarshalIndent(all, "", "  ")
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(*verdictFile, data, 0o644)).To(Succeed(), "writing --verdicts %s", *verdictFile)
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

// firstLine is a failure's headline, without the "; its stderr ends
// with:" that introduces the lines below it.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if i := strings.LastIndex(s, "; its "); i >= 0 && strings.HasSuffix(s, " ends with:") {
		s = s[:i]
	}
	return s
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
