package check

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long the folder must stay quiet after a change before
// the check runs again: an editor's save is often several writes and a
// rename.
const debounce = 300 * time.Millisecond

// watch checks the server, then again whenever a file in its folder
// changes: a change during a run stops that run and starts a new one.
// It returns when ctx ends (Ctrl-C), once nothing it started is left.
func watch(ctx context.Context, o options, w io.Writer, tty bool, width int) int {
	l := o.lang
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		fmt.Fprintln(w, "check: "+err.Error())
		return exitBroken
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		fmt.Fprintln(w, "check: watching files: "+err.Error())
		return exitBroken
	}
	defer fw.Close()
	if err := addTree(fw, dir); err != nil {
		fmt.Fprintln(w, "check: watching "+dir+": "+err.Error())
		return exitBroken
	}

	// The suite is compiled once: it does not change while a student
	// edits their server.
	suite := o.suite
	if suite == "" {
		if suite, err = compiled(ctx, func() { fmt.Fprintln(w, msg(l, "compiling")) }); err != nil {
			if ctx.Err() == nil {
				fmt.Fprintln(w, msg(l, "compile-failed"))
				fmt.Fprintln(w, indent(tail(err.Error(), 20), "    | "))
			}
			return exitBroken
		}
	}

	code := exitPass
	changed := ""
	var last *verdict // the last run's verdict: what failed runs first
	for {
		if tty {
			fmt.Fprint(w, "\033[H\033[2J") // a clean screen for each run
		} else if changed != "" {
			fmt.Fprintln(w, strings.Repeat("─", 60))
		}
		if changed != "" {
			fmt.Fprintln(w, msg(l, "changed", changed))
		}
		runCtx, cancel := context.WithCancel(ctx)
		finished := make(chan int, 1)
		go func() {
			c, v := checkOnce(runCtx, o, w, tty, width, suite, last)
			if v != nil && v.Reason == "" {
				last = v
			}
			finished <- c
		}()
		// While the run goes on, a change stops it; once it is over, the
		// next change starts the next one.
		next := ""
		running := true
		changes := settled(ctx, fw, dir)
		for running || next == "" {
			select {
			case code = <-finished:
				running = false
				if next == "" {
					fmt.Fprintln(w)
					fmt.Fprintln(w, msg(l, "watching", o.dir))
				}
			case name, ok := <-changes:
				if !ok { // Ctrl-C, or the watcher failed
					cancel()
					if running {
						<-finished
					}
					return code
				}
				next, changes = name, nil
				cancel()
			}
		}
		cancel()
		changed = next
	}
}

// settled waits for a change in dir that counts (not an editor's swap
// file, not a build's output), then for debounce without one, and sends
// the changed file's name. It closes the channel when ctx ends or the
// watcher fails.
func settled(ctx context.Context, fw *fsnotify.Watcher, dir string) <-chan string {
	out := make(chan string, 1)
	go func() {
		defer close(out)
		name := ""
		var quiet <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-fw.Events:
				if !ok {
					return
				}
				if ev.Has(fsnotify.Create) {
					if st, err := os.Stat(ev.Name); err == nil && st.IsDir() && !ignored(dir, ev.Name) {
						_ = addTree(fw, ev.Name)
					}
				}
				if ev.Op == fsnotify.Chmod || ignored(dir, ev.Name) {
					continue
				}
				name = relName(dir, ev.Name)
				quiet = time.After(debounce)
			case _, ok := <-fw.Errors:
				if !ok {
					return
				}
			case <-quiet:
				out <- name
				return
			}
		}
	}()
	return out
}

// addTree watches dir and every folder below it that is not ignored.
func addTree(fw *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // gone already, or unreadable: nothing to watch
		}
		if !d.IsDir() {
			return nil
		}
		if path != dir && ignoredName(d.Name(), true) {
			return filepath.SkipDir
		}
		return fw.Add(path)
	})
}

// ignored reports whether a change to path says nothing about the
// student's server: editors' backups and swap files, hidden files, and
// what builds and interpreters write (a change there would run the check
// again after every build).
func ignored(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return true
	}
	parts := strings.Split(rel, string(filepath.Separator))
	for i, p := range parts {
		if ignoredName(p, i < len(parts)-1) {
			return true
		}
	}
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 && filepath.Ext(path) == "" {
		return true // a compiled server, e.g. gcc -o server
	}
	return false
}

func ignoredName(name string, isDir bool) bool {
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") || strings.HasPrefix(name, "#") || name == "4913" {
		return true
	}
	if isDir {
		switch name {
		case "__pycache__", "node_modules", "target", "build", "out", "bin", "obj":
			return true
		}
		return false
	}
	switch filepath.Ext(name) {
	case ".swp", ".swx", ".swo", ".tmp", ".pyc", ".o", ".class", ".log":
		return true
	}
	return false
}

func relName(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil {
		return rel
	}
	return path
}
