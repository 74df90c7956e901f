package suite

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/echospec/echospec/props"
)

// kit writes a module named like echospec's with a one-test spec package:
// small enough to compile in a second.
func kit(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for name, text := range map[string]string{
		"go.mod":                "module github.com/echospec/echospec\n\ngo 1.26\n",
		"spec/spec_test.go":     "package spec\n\nimport \"testing\"\n\nfunc TestOne(t *testing.T) {}\n",
		"probe/probe.go":        "package probe\n",
		"tools/check/main.go":   "package main\n\nfunc main() {}\n",
		"fixtures/x/server.go":  "package main\n",
		".git/hooks/ignored.go": "package hooks\n",
	} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// ownCache gives the test a cache folder of its own, keeping Go's build
// cache where it is (it lives in the same folder by default).
func ownCache(t *testing.T) {
	t.Helper()
	out, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", strings.TrimSpace(string(out)))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}

// The suite is compiled once into the user's cache folder and reused
// until a source of the kit changes; the tools and fixtures are not part
// of the key.
func TestCachedReusesUntilTheKitChanges(t *testing.T) {
	ownCache(t)
	root := kit(t)
	ctx := context.Background()
	files, err := keyInput(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"go.mod", "probe/probe.go", "spec/spec_test.go"}; !slices.Equal(files, want) {
		t.Errorf("the key reads %v; want %v", files, want)
	}
	compiles := 0
	count := func() { compiles++ }
	first, err := Cached(ctx, root, Build{}, count)
	if err != nil {
		t.Fatal(err)
	}
	cache, _ := os.UserCacheDir()
	if rel, err := filepath.Rel(filepath.Join(cache, "echospec"), first); err != nil || filepath.Dir(rel) != "." {
		t.Errorf("the suite is at %s, not in %s", first, filepath.Join(cache, "echospec"))
	}
	again, err := Cached(ctx, root, Build{}, count)
	if err != nil {
		t.Fatal(err)
	}
	if again != first || compiles != 1 {
		t.Errorf("second run: %s after %d compiles; want %s after 1", again, compiles, first)
	}
	if err := os.WriteFile(filepath.Join(root, "tools/check/main.go"), []byte("package main\n\nfunc main() { println() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, _ := Cached(ctx, root, Build{}, count); p != first || compiles != 1 {
		t.Errorf("a change to a tool compiled the suite again (%d compiles)", compiles)
	}
	if err := os.WriteFile(filepath.Join(root, "probe/probe.go"), []byte("package probe\n\n// Changed.\nconst X = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, err := Cached(ctx, root, Build{}, count)
	if err != nil {
		t.Fatal(err)
	}
	if changed == first || compiles != 2 {
		t.Errorf("after a change to probe: %s after %d compiles; want a new suite after 2", changed, compiles)
	}
	other, err := Cached(ctx, root, Build{Flags: []string{"-trimpath"}}, count)
	if err != nil {
		t.Fatal(err)
	}
	if other == changed {
		t.Errorf("a build with other flags reused %s", changed)
	}
}

// Runs that start at once each get a whole suite: one compiles to a file
// of its own and renames it into place, never over a file another runs.
func TestCachedConcurrently(t *testing.T) {
	ownCache(t)
	root := kit(t)
	var wg sync.WaitGroup
	paths := make([]string, 3)
	errs := make([]error, 3)
	for i := range paths {
		wg.Go(func() { paths[i], errs[i] = Cached(context.Background(), root, Build{}, nil) })
	}
	wg.Wait()
	for i := range paths {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if paths[i] != paths[0] {
			t.Errorf("run %d got %s, run 0 %s", i, paths[i], paths[0])
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(paths[0]))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the cache holds %v; want the one suite", names)
	}
}

func TestOptionsArgs(t *testing.T) {
	o := Options{Target: "/s", Verdicts: "/v.json", Patience: 2, Lang: props.Zh, Seed: 7, Filter: "id:ECHO-1", ProgressFD: 3}
	want := []string{"--target", "/s", "--verdicts", "/v.json", "--ginkgo.no-color", "--patience", "2", "--lang", "zh",
		"--ginkgo.seed", "7", "--ginkgo.label-filter", "id:ECHO-1", "--progress-fd", "3"}
	if got := o.Args(); !slices.Equal(got, want) {
		t.Errorf("Args() = %q; want %q", got, want)
	}
}
