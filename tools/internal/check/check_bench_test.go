//go:build linux

package check

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkCheck measures what a student waits for: one whole check of a
// reference server (fixtures/targets), with the suite already in the
// cache (the first check compiles it; see docs/student-loop.md), so a
// check is the server's build and the specs. ECHOSPEC_BENCH_TARGETS
// (comma-separated) picks the servers; by default multithread and
// single.
//
//	make bench-check      (go test -run '^$' -bench Check -benchtime 1x ./tools/internal/check)
func BenchmarkCheck(b *testing.B) {
	targets := []string{"multithread", "single"}
	if v := os.Getenv("ECHOSPEC_BENCH_TARGETS"); v != "" {
		targets = strings.Split(v, ",")
	}
	if _, err := compiled(b.Context(), nil); err != nil {
		b.Fatal(err)
	}
	for _, name := range targets {
		dir := filepath.Join("..", "..", "..", "fixtures", "targets", name)
		if _, err := os.Stat(filepath.Join(dir, "echospec.toml")); err != nil {
			b.Fatalf("ECHOSPEC_BENCH_TARGETS: %s is not a reference server of fixtures/targets", name)
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				t0 := time.Now()
				if code := run([]string{"--lang", "en", dir}, io.Discard, io.Discard); code != exitPass {
					b.Fatalf("check %s: exit %d, want %d", dir, code, exitPass)
				}
				b.ReportMetric(time.Since(t0).Seconds(), "s/check")
			}
		})
	}
}
