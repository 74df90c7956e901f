package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/tools/ports/portinfo"
)

// The generated manifests must load as the suite loads them, keep each
// reference target's model, pool and mechanism, and start the binary built
// for the platform (through qemu when binfmt_misc cannot).
func TestWriteManifests(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	refs, err := manifest.Discover(filepath.Join(root, "fixtures", "targets"))
	if err != nil {
		t.Fatal(err)
	}
	p := portinfo.Platform{OS: "linux", Arch: "arm64"}
	dir := t.TempDir()
	for _, tg := range refs {
		for _, a := range tg.Build {
			if rel, ok := strings.CutPrefix(a, portinfo.Module+"/"); ok && strings.HasPrefix(rel, "impl/") {
				if err := os.WriteFile(filepath.Join(dir, filepath.Base(rel)), nil, 0o755); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, direct := range []bool{true, false} {
		tdir := filepath.Join(dir, "targets")
		written, err := writeManifests(root, dir, tdir, p, "/usr/bin/qemu-aarch64-static", direct)
		if err != nil {
			t.Fatal(err)
		}
		got, err := manifest.Discover(tdir)
		if err != nil {
			t.Fatalf("the generated manifests do not load: %v", err)
		}
		if len(got) != len(refs) || len(written) != len(refs) {
			t.Fatalf("%d manifests for %d reference targets", len(got), len(refs))
		}
		for _, tg := range got {
			ref := refs[slices.IndexFunc(refs, func(r *manifest.Target) bool { return r.Name == tg.Name })]
			if tg.Model != ref.Model || tg.Pool != ref.Pool || tg.Mechanism != ref.Mechanism || tg.Port != ref.Port {
				t.Errorf("%s: model %s pool %d mechanism %q port %d; want %s %d %q %d", tg.Name, tg.Model, tg.Pool, tg.Mechanism, tg.Port, ref.Model, ref.Pool, ref.Mechanism, ref.Port)
			}
			if direct == (tg.Command[0] == "/usr/bin/qemu-aarch64-static") {
				t.Errorf("%s (binfmt %v): command %q", tg.Name, direct, tg.Command)
			}
			if len(tg.Build) != 0 {
				t.Errorf("%s: the generated manifest builds: %q", tg.Name, tg.Build)
			}
		}
	}
}

func TestLabelFilter(t *testing.T) {
	ex := exclusions("MODEL-6")
	if len(ex) != 1 || ex[0].Why == "" || ex[0].Why == "left out with -exclude MODEL-6" {
		t.Fatalf("exclusions(MODEL-6) = %+v; want portinfo's reason", ex)
	}
	if got := labelFilter(ex, "family:echo"); got != "!id:MODEL-6 && (family:echo)" {
		t.Errorf("labelFilter = %q", got)
	}
	if got := labelFilter(exclusions("none"), ""); got != "" {
		t.Errorf("labelFilter(none) = %q; want no filter", got)
	}
}
