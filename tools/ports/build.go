package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/echospec/echospec/tools/internal/modroot"
	"github.com/echospec/echospec/tools/ports/portinfo"
)

// Artifact states.
const (
	stateOK     = "ok"
	stateStub   = "stub"
	stateFailed = "FAILED"
	stateNA     = "n/a"
)

// artifact is one cell of the table: one thing built for one platform.
type artifact struct {
	Platform string `json:"platform"`
	Name     string `json:"artifact"`
	State    string `json:"state"`
	Detail   string `json:"detail,omitempty"` // why n/a, the stub's message, or the compiler's error
	Binary   string `json:"binary,omitempty"`
}

const (
	artPackages = "go build ./..."
	artSuite    = "spec.test"
)

func build(args []string) error {
	fs := flag.NewFlagSet("build", flag.ExitOnError)
	out := fs.String("out", "out/ports", "where binaries go, one folder per platform (relative to the module root)")
	only := fs.String("platforms", "", "comma-separated GOOS/GOARCH subset (default: all of them)")
	timeout := fs.Duration("timeout", 30*time.Minute, "bound on the whole build")
	fs.Parse(args)
	platforms, err := selectPlatforms(*only)
	if err != nil {
		return err
	}
	root, err := modroot.Find()
	if err != nil {
		return err
	}
	outDir := absOut(root, *out)
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	views, err := portinfo.Views(ctx, root, platforms)
	if err != nil {
		return err
	}
	servers := serverPackages(views)
	var arts []artifact
	for _, p := range platforms {
		fmt.Fprintf(os.Stderr, "building for %s ...\n", p)
		arts = append(arts, buildPlatform(ctx, root, filepath.Join(outDir, p.Dir()), p, views[p], servers)...)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("the build did not finish within %v", *timeout)
	}
	columns := append([]string{artPackages, artSuite}, servers...)
	printTable(os.Stdout, platforms, columns, arts)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(arts, "", "  ")
	if err := os.WriteFile(filepath.Join(outDir, "build.json"), data, 0o644); err != nil {
		return err
	}
	failed := 0
	for _, a := range arts {
		if a.State == stateFailed {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d artifact(s) failed to build", failed)
	}
	return nil
}

func selectPlatforms(list string) ([]portinfo.Platform, error) {
	if list == "" {
		return portinfo.Platforms, nil
	}
	var out []portinfo.Platform
	for _, s := range strings.Split(list, ",") {
		p, err := portinfo.Parse(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// serverPackages are the commands under impl/, on any platform: the
// reference servers ("impl/multiplex").
func serverPackages(views map[portinfo.Platform]portinfo.View) []string {
	seen := map[string]bool{}
	for _, v := range views {
		for rel, pkg := range v {
			if strings.HasPrefix(rel, "impl/") && pkg.Name == "main" {
				seen[rel] = true
			}
		}
	}
	var out []string
	for rel := range seen {
		out = append(out, rel)
	}
	slices.Sort(out)
	return out
}

func buildPlatform(ctx context.Context, root, dir string, p portinfo.Platform, v portinfo.View, servers []string) []artifact {
	var arts []artifact
	add := func(name, state, detail, bin string) {
		arts = append(arts, artifact{Platform: p.String(), Name: name, State: state, Detail: detail, Binary: bin})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		add(artPackages, stateFailed, err.Error(), "")
		return arts
	}

	// The kit's packages: what `go build ./...` builds there, and a word
	// on each package it leaves out.
	var pkgs, left []string
	for _, pkg := range v.Sorted() {
		switch {
		case pkg.Excluded():
			left = append(left, "not applicable: "+portinfo.WhyExcluded(pkg))
		case pkg.Error == nil && len(pkg.GoFiles) == 0:
			// test files only (the suite): built below as spec.test
		default:
			pkgs = append(pkgs, pkg.ImportPath)
		}
	}
	if err := goCmd(ctx, root, p, append([]string{"build"}, pkgs...)...); err != nil {
		add(artPackages, stateFailed, err.Error(), "")
	} else {
		add(artPackages, stateOK, fmt.Sprintf("%d packages; %s", len(pkgs), orNone(left)), "")
	}

	// The compiled suite.
	if pkg := v["spec"]; pkg == nil || pkg.Excluded() {
		add(artSuite, stateNA, "no spec package for this platform", "")
	} else {
		bin := filepath.Join(dir, p.Exe("spec.test"))
		if err := goCmd(ctx, root, p, "test", "-c", "-o", bin, "./spec"); err != nil {
			add(artSuite, stateFailed, err.Error(), "")
		} else {
			add(artSuite, stateOK, "", bin)
		}
	}

	// The reference servers.
	for _, rel := range servers {
		pkg := v[rel]
		switch {
		case pkg == nil:
			add(rel, stateNA, "go list does not know "+rel+" here", "")
			continue
		case pkg.Excluded():
			add(rel, stateNA, portinfo.WhyExcluded(pkg)+"; there is no stub that says so at run time", "")
			continue
		}
		bin := filepath.Join(dir, p.Exe(path.Base(rel)))
		if err := goCmd(ctx, root, p, "build", "-o", bin, pkg.ImportPath); err != nil {
			add(rel, stateFailed, err.Error(), "")
			continue
		}
		msg, err := portinfo.StubMessage(pkg)
		switch {
		case err != nil:
			add(rel, stateFailed, "built, but reading its source: "+err.Error(), bin)
		case msg != "":
			add(rel, stateStub, fmt.Sprintf("compiles only %s, whose main prints %q and exits", strings.Join(pkg.GoFiles, ", "), msg), bin)
		default:
			add(rel, stateOK, "", bin)
		}
	}
	return arts
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none left out"
	}
	return strings.Join(xs, "; ")
}

// goCmd runs the go command for platform p; a failure returns its output.
func goCmd(ctx context.Context, root string, p portinfo.Platform, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = p.Env()
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		txt := strings.TrimSpace(out.String())
		if txt == "" || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			txt = strings.TrimSpace(txt + "\n" + err.Error())
		}
		return errors.New(txt)
	}
	return nil
}

// printTable writes the platform × artifact table, then a numbered note
// for every cell that is not plainly ok.
func printTable(w *os.File, platforms []portinfo.Platform, columns []string, arts []artifact) {
	cell := map[[2]string]artifact{}
	for _, a := range arts {
		cell[[2]string{a.Platform, a.Name}] = a
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"platform"}
	for _, c := range columns {
		head = append(head, strings.TrimPrefix(c, "impl/"))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	var notes []string
	for _, p := range platforms {
		row := []string{p.String()}
		for _, c := range columns {
			a, ok := cell[[2]string{p.String(), c}]
			if !ok {
				row = append(row, "-")
				continue
			}
			txt := a.State
			noteworthy := a.State != stateOK || (c == artPackages && !strings.HasSuffix(a.Detail, "none left out"))
			if noteworthy && a.Detail != "" {
				notes = append(notes, fmt.Sprintf("[%d] %s %s: %s: %s", len(notes)+1, p, c, a.State, a.Detail))
				txt += fmt.Sprintf(" [%d]", len(notes))
			}
			row = append(row, txt)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, strings.ReplaceAll(n, "\n", "\n    "))
		}
	}
}
