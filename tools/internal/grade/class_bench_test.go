//go:build linux

package grade

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/echospec/echospec/tools/internal/suite"
)

// BenchmarkClass60 grades a class of 60 submissions, made of the student
// fixtures that let the kit choose the port (a class where every server
// takes {port}; fixed ports run one at a time and say nothing about
// throughput), cycled until there are 60: correct servers and every kind
// of broken one, as a class has. It reports seconds per class and
// submissions per minute at ECHOSPEC_CLASS_PARALLEL at once (default
// grade's own default). The target is 60 in 5 minutes on 2 cores. It
// grades with --expect: a class graded fast but with a verdict its
// manifest does not expect (the parallelism starving a server) is no
// figure, and the benchmark fails. ECHOSPEC_CLASS_ARGS adds grade's
// flags (make bench-grade ARGS=--unsandboxed: the class without the
// sandbox).
//
//	make bench-grade        (go test -run '^$' -bench Class60 -benchtime 1x ./tools/internal/grade)
func BenchmarkClass60(b *testing.B) {
	if _, err := exec.LookPath("python3"); err != nil {
		b.Skip("needs the fixture bank's languages: make deps")
	}
	repo, err := filepath.Abs("../../..")
	if err != nil {
		b.Fatal(err)
	}
	var pool []string
	dirs, _ := filepath.Glob(filepath.Join(repo, "fixtures", "students", "*", "echospec.toml"))
	for _, m := range dirs {
		s := load(filepath.Base(filepath.Dir(m)), filepath.Dir(m), nil)
		if s.Problem == "" && s.Port == 0 {
			pool = append(pool, filepath.Dir(m))
		}
	}
	slices.Sort(pool)
	if len(pool) == 0 {
		b.Fatal("no fixtures")
	}
	class := b.TempDir()
	for i := range 60 {
		if err := os.CopyFS(filepath.Join(class, fmt.Sprintf("s%02d-%s", i, filepath.Base(pool[i%len(pool)]))), os.DirFS(pool[i%len(pool)])); err != nil {
			b.Fatal(err)
		}
	}
	bin, err := suite.Cached(context.Background(), repo, suite.Build{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"--suite", bin, "--expect"}
	if parallel := os.Getenv("ECHOSPEC_CLASS_PARALLEL"); parallel != "" { // else grade's own default
		if _, err := strconv.Atoi(parallel); err != nil {
			b.Fatalf("ECHOSPEC_CLASS_PARALLEL=%q: want a number", parallel)
		}
		args = append(args, "--parallel", parallel)
	}
	// ECHOSPEC_CLASS_ARGS adds grade flags, e.g. --unsandboxed to measure
	// what the sandbox costs.
	args = append(args, strings.Fields(os.Getenv("ECHOSPEC_CLASS_ARGS"))...)
	b.ResetTimer()
	for range b.N {
		out := b.TempDir()
		t0 := time.Now()
		if err := gradeMain(context.Background(), slices.Concat(args, []string{"--out", out, class})); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		b.ReportMetric(d.Seconds(), "s/class")
		b.ReportMetric(60/d.Minutes(), "submissions/min")
	}
}
