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

// vet runs `go vet` as each platform compiles the kit (CGO_ENABLED=0, as
// build does), so that a file only another OS compiles is vetted too. This
// machine's platform is left to plain `go vet ./...` (make vet).
//
// By default it vets, on each platform, the packages in which that
// platform compiles a file (tests included) that this machine does not:
// the rest of the module is the same code, vetted here already. And it
// vets a second CPU of one OS only if that CPU compiles other files than
// the first (linux/riscv64 and darwin/arm64 do not; linux/arm64 does).
// Each platform vetted from a cold build cache costs a compilation of the
// standard library and the dependencies for it: for freebsd/amd64, 27 s of
// CPU for its 14 packages of its own, 62 s for ./..., measured on this
// kit's 2-core build machine. With -all every platform vets ./...: the
// same files then also meet each OS's types (x/sys/unix's differ).
//
// It goes on after a platform fails and returns an error naming every one
// that did.
func vet(args []string) error {
	fs := flag.NewFlagSet("vet", flag.ExitOnError)
	only := fs.String("platforms", "", "comma-separated GOOS/GOARCH subset (default: all of them)")
	all := fs.Bool("all", false, "vet ./... on every platform, not only what differs from this machine")
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
	plans := map[portinfo.Platform][]string{}
	if *all {
		for _, p := range platforms {
			plans[p] = []string{"./..."}
		}
	} else if plans, err = ownPackages(ctx, root, platforms); err != nil {
		return err
	}
	var failed []portinfo.Platform
	for _, p := range platforms {
		pkgs := plans[p]
		if len(pkgs) == 0 {
			continue
		}
		began := time.Now()
		if err := goCmd(ctx, root, p, append([]string{"vet"}, pkgs...)...); err != nil {
			fmt.Fprintf(os.Stderr, "go vet for %s:\n%v\n", p, err)
			failed = append(failed, p)
			continue
		}
		fmt.Printf("go vet for %s: ok (packages: %d; %.1fs)\n", p, len(pkgs), time.Since(began).Seconds())
	}
	if ctx.Err() != nil {
		return fmt.Errorf("go vet did not finish within %v", *timeout)
	}
	if len(failed) > 0 {
		return fmt.Errorf("go vet failed for %v", failed)
	}
	return nil
}

// ownPackages is, for each platform, the import paths of the packages in
// which it compiles a file this machine does not; none for a platform
// whose every package compiles the same files as on an earlier platform
// of the same OS. It says on stdout which platforms it leaves out.
func ownPackages(ctx context.Context, root string, platforms []portinfo.Platform) (map[portinfo.Platform][]string, error) {
	host := portinfo.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
	list := platforms
	if !slices.Contains(list, host) {
		list = append([]portinfo.Platform{host}, platforms...)
	}
	views, err := portinfo.Views(ctx, root, list)
	if err != nil {
		return nil, err
	}
	plans := map[portinfo.Platform][]string{}
	seen := map[string]portinfo.Platform{fileSet(host, views[host]): host}
	for _, p := range platforms {
		key := fileSet(p, views[p])
		if q, ok := seen[key]; ok {
			if p != host {
				fmt.Printf("go vet for %s: as for %s (the same files)\n", p, q)
			}
			continue
		}
		seen[key] = p
		for _, pkg := range views[p].Sorted() {
			here := views[host][pkg.Rel()]
			if slices.ContainsFunc(files(pkg), func(f string) bool { return here == nil || !slices.Contains(files(here), f) }) {
				plans[p] = append(plans[p], pkg.ImportPath)
			}
		}
		if len(plans[p]) == 0 {
			fmt.Printf("go vet for %s: no file of its own\n", p)
		}
	}
	return plans, nil
}

// files are the Go files the package compiles, tests included.
func files(pkg *portinfo.Package) []string {
	return slices.Concat(pkg.GoFiles, pkg.TestGoFiles, pkg.XTestGoFiles)
}

// fileSet is the platform's OS and every file each package compiles there,
// as one string.
func fileSet(p portinfo.Platform, v portinfo.View) string {
	var b strings.Builder
	b.WriteString(p.OS)
	for _, pkg := range v.Sorted() {
		fmt.Fprintf(&b, "\n%s %v", pkg.ImportPath, files(pkg))
	}
	return b.String()
}
