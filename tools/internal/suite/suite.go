// Package suite is the one driver of the compiled suite (go test -c
// ./spec) for the tools: check, grade, the Gradescope bundle, stability
// and the class benchmark build it through Build, which keeps it in the
// user's cache folder until the kit's sources change, and run it with the
// arguments Options.Args gives.
package suite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/tools/internal/modroot"
)

// Build is how to build the suite: Env is added to the go command's
// environment (GOOS, CGO_ENABLED…), Flags go after `go test -c`.
type Build struct {
	Env   []string
	Flags []string
}

// keep is how long a cached suite no run has used stays in the cache.
const keep = 7 * 24 * time.Hour

// Root is the echospec module's folder: the working folder's, or else the
// one this binary was compiled from (an installed echospec run from a
// student's own folder), if it is still there.
func Root() (string, error) {
	root, err := modroot.Find()
	if err == nil {
		return root, nil
	}
	// Without -trimpath, the compiler records this file's absolute path.
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(file)))) // tools/internal/suite/suite.go
		if data, rerr := os.ReadFile(filepath.Join(dir, "go.mod")); rerr == nil && strings.HasPrefix(string(data), "module github.com/echospec/echospec\n") {
			return dir, nil
		}
	}
	return "", err
}

// Cached returns the suite compiled from root as b says, from the cache
// folder when the kit has not changed since it was compiled; otherwise it
// calls compiling (if not nil) and compiles it there. Concurrent runs are
// safe: each compiles to a file of its own and renames it into place.
func Cached(ctx context.Context, root string, b Build, compiling func()) (string, error) {
	key, err := Key(ctx, root, b)
	if err != nil {
		return "", err
	}
	dir, err := cacheDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "spec-"+key[:24]+".test")
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() {
		now := time.Now()
		_ = os.Chtimes(bin, now, now) // used: prune keeps it
		return bin, nil
	}
	if compiling != nil {
		compiling()
	}
	tmp := filepath.Join(dir, ".spec-"+key[:24]+"-"+randomSuffix()+".tmp")
	if err := Compile(ctx, root, tmp, b); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := os.Rename(tmp, bin); err != nil {
		os.Remove(tmp)
		return "", err
	}
	prune(dir, bin)
	return bin, nil
}

// Compile runs go test -c -o out ./spec in root, in a process group of its
// own: when ctx ends the compiler and everything it started get SIGTERM,
// then SIGKILL, and out is not left half-written.
func Compile(ctx context.Context, root, out string, b Build) error {
	args := append([]string{"test", "-c", "-o", out}, b.Flags...)
	args = append(args, "./spec")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), b.Env...)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	launch.OwnGroup(cmd)
	launch.DieWithParent(cmd, syscall.SIGTERM)
	cmd.Cancel = func() error { return launch.SignalGroup(cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if cmd.Process != nil {
		_ = launch.SignalGroup(cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		os.Remove(out)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("go %s in %s: %v\n%s", strings.Join(args, " "), root, err, log.String())
	}
	return nil
}

// cacheDir is the user's cache folder for echospec ($XDG_CACHE_HOME/echospec
// on Linux, ~/Library/Caches/echospec on macOS), or one under the
// temporary folder when the user has none.
func cacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "echospec")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("the suite's cache folder: %w", err)
	}
	return dir, nil
}

// prune removes the suites of other kit builds no run has used for keep,
// and compilations abandoned as long ago.
func prune(dir, current string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if p == current || !strings.Contains(e.Name(), "spec-") {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > keep {
			os.Remove(p)
		}
	}
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Options are one run of the suite on one target.
type Options struct {
	Target   string  // the server's folder (--target)
	Verdicts string  // where the suite writes its verdicts (--verdicts)
	Patience float64 // every deadline × this (--patience); 0: the suite's default
	Lang     props.Lang
	Seed     int64  // the spec order and payloads' seed; 0: the suite's own
	Filter   string // a Ginkgo label filter, or ""
	// ProgressFD, when not 0, is the descriptor the suite writes its
	// progress events to (an ExtraFiles entry: 3 for the first).
	ProgressFD int
	// Flags are more of the suite's flags, as given (grade's --hide,
	// --sandbox, --memory, --manifest, …).
	Flags []string
}

// Args are the suite's arguments for o.
func (o Options) Args() []string {
	args := []string{"--target", o.Target, "--verdicts", o.Verdicts, "--ginkgo.no-color"}
	if o.Patience > 0 {
		args = append(args, "--patience", strconv.FormatFloat(o.Patience, 'g', -1, 64))
	}
	if o.Lang != "" {
		args = append(args, "--lang", string(o.Lang))
	}
	if o.Seed != 0 {
		args = append(args, "--ginkgo.seed", strconv.FormatInt(o.Seed, 10))
	}
	if o.Filter != "" {
		args = append(args, "--ginkgo.label-filter", o.Filter)
	}
	if o.ProgressFD != 0 {
		args = append(args, "--progress-fd", strconv.Itoa(o.ProgressFD))
	}
	args = append(args, o.Flags...)
	return args
}

// Env is the suite's environment for a run whose scratch folder is
// scratch: the suite's build folders and whatever the server writes to
// $TMPDIR land there, so removing it leaves nothing behind.
func (o Options) Env(scratch string) []string {
	env := append(os.Environ(), "TMPDIR="+scratch)
	if o.Lang != "" {
		env = append(env, props.EnvLang+"="+string(o.Lang))
	}
	return env
}

// errNoSources says the module's sources could not be read for the key.
var errNoSources = errors.New("suite: no Go sources found")

// walkSources calls f for every file of root that can change the
// compiled suite: go.mod, go.sum and the Go (and assembly, C) sources
// outside the folders the suite never imports.
func walkSources(root string, f func(rel string) error) error {
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || skipDirs[filepath.ToSlash(rel)]) {
				return filepath.SkipDir
			}
			if p != root {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		switch filepath.Ext(d.Name()) {
		case ".go", ".s", ".c", ".h":
		default:
			if rel != "go.mod" && rel != "go.sum" {
				return nil
			}
		}
		n++
		return f(rel)
	})
	if err == nil && n == 0 {
		err = errNoSources
	}
	return err
}

// skipDirs are the module's folders the suite does not import: its tools
// (which cannot be imported by it), the fixtures' servers, docs and
// outputs.
var skipDirs = map[string]bool{"tools": true, "fixtures": true, "docs": true, "out": true}
