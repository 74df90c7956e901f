package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/echospec/echospec/tools/internal/modroot"
	"github.com/echospec/echospec/tools/ports/portinfo"
)

// vet runs `go vet ./...` as each platform compiles the kit (CGO_ENABLED=0,
// as build does), so that a file only another OS compiles is vetted too.
//
// Without -platforms it vets every OS of portinfo.Platforms, but not twice
// the same files: a platform is left out when another CPU of its OS,
// already vetted (this machine's counts, as make vet covers it), compiles
// exactly the same files in every package (darwin/arm64 as darwin/amd64,
// linux/riscv64 as linux/arm64). Each platform vetted from a cold build
// cache costs a compilation of the standard library and the dependencies
// for it, about a minute of CPU. Other OSes are never merged: the same
// file sees other types there (x/sys/unix's Kevent_t differs between the
// BSDs). It goes on after a platform fails and returns an error naming
// every one that did.
func vet(args []string) error {
	fs := flag.NewFlagSet("vet", flag.ExitOnError)
	only := fs.String("platforms", "", "comma-separated GOOS/GOARCH subset, each vetted (default: every OS, each set of files once)")
	timeout := fs.Duration("timeout", 20*time.Minute, "bound on the whole vet")
	fs.Parse(args)
	platforms, err := selectPlatforms(*only)
	if err != nil {
		return err
	}
	root, err := modroot.Find()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if *only == "" {
		if platforms, err = distinct(ctx, root, platforms); err != nil {
			return err
		}
	}
	var failed []portinfo.Platform
	for _, p := range platforms {
		began := time.Now()
		if err := goCmd(ctx, root, p, "vet", "./..."); err != nil {
			fmt.Fprintf(os.Stderr, "go vet for %s:\n%v\n", p, err)
			failed = append(failed, p)
			continue
		}
		fmt.Printf("go vet for %s: ok (%.1fs)\n", p, time.Since(began).Seconds())
	}
	if ctx.Err() != nil {
		return fmt.Errorf("go vet did not finish within %v", *timeout)
	}
	if len(failed) > 0 {
		return fmt.Errorf("go vet failed for %v", failed)
	}
	return nil
}

// distinct is platforms less this machine's and less each platform that
// compiles the same files as an earlier one of the same OS. It says on
// stdout which it leaves out, and why.
func distinct(ctx context.Context, root string, platforms []portinfo.Platform) ([]portinfo.Platform, error) {
	host := portinfo.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
	all := platforms
	if !slices.Contains(all, host) {
		all = append([]portinfo.Platform{host}, platforms...)
	}
	views, err := portinfo.Views(ctx, root, all)
	if err != nil {
		return nil, err
	}
	seen := map[string]portinfo.Platform{} // OS and its files → the platform vetted for them
	seen[fileSet(host, views[host])] = host
	var out []portinfo.Platform
	for _, p := range platforms {
		key := fileSet(p, views[p])
		if q, ok := seen[key]; ok {
			if p != host {
				fmt.Printf("go vet for %s: as %s (the same files)\n", p, q)
			}
			continue
		}
		seen[key] = p
		out = append(out, p)
	}
	return out, nil
}

// fileSet is the platform's OS and every file each package compiles there,
// tests included, as one string.
func fileSet(p portinfo.Platform, v portinfo.View) string {
	var b strings.Builder
	b.WriteString(p.OS)
	for _, pkg := range v.Sorted() {
		fmt.Fprintf(&b, "\n%s %v %v %v", pkg.ImportPath, pkg.GoFiles, pkg.TestGoFiles, pkg.XTestGoFiles)
	}
	return b.String()
}
