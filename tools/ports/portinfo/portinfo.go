// Package portinfo is what tools/ports and tools/platforms share: the
// platforms the kit is ported to, `go list` as seen from each of them, and
// the specs that cannot hold when the suite runs under qemu-user.
//
// Every fact about a platform comes from `go list` with GOOS and GOARCH set
// (which files each package compiles there) and from the compiled files
// themselves; nothing here says by hand what a platform supports.
package portinfo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Module is the kit's module path.
const Module = "github.com/echospec/echospec"

// Platform is one GOOS/GOARCH pair.
type Platform struct{ OS, Arch string }

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Dir is the platform's folder name under out/ports: "linux_arm64".
func (p Platform) Dir() string { return p.OS + "_" + p.Arch }

// Exe is name with the platform's executable suffix.
func (p Platform) Exe(name string) string {
	if p.OS == "windows" {
		return name + ".exe"
	}
	return name
}

// Env is the environment of a cross build for p: no cgo, so no C
// cross-compiler is needed and every binary is static.
func (p Platform) Env() []string {
	return append(os.Environ(), "GOOS="+p.OS, "GOARCH="+p.Arch, "CGO_ENABLED=0", "GOFLAGS=")
}

// Platforms are the targets of `make ports`, in report order.
var Platforms = []Platform{
	{"linux", "amd64"}, {"linux", "arm64"}, {"linux", "riscv64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"freebsd", "amd64"}, {"netbsd", "amd64"}, {"openbsd", "amd64"},
	{"windows", "amd64"},
}

// Parse reads "linux/arm64".
func Parse(s string) (Platform, error) {
	goos, goarch, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || goos == "" || goarch == "" {
		return Platform{}, fmt.Errorf("platform %q: want GOOS/GOARCH, e.g. linux/arm64", s)
	}
	return Platform{goos, goarch}, nil
}

// Package is the part of `go list -json` the tools read.
type Package struct {
	ImportPath     string
	Name           string
	Dir            string
	Doc            string
	GoFiles        []string
	IgnoredGoFiles []string
	TestGoFiles    []string
	XTestGoFiles   []string
	Imports        []string
	Error          *struct{ Err string }
}

// Rel is the import path relative to the module: "impl/selector".
func (p *Package) Rel() string {
	return strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, Module), "/")
}

// Excluded reports whether no Go file of the package builds on the
// platform it was listed for.
func (p *Package) Excluded() bool {
	return p.Error != nil && strings.Contains(p.Error.Err, "build constraints exclude all Go files")
}

// Compiles reports whether the package has files to compile there.
func (p *Package) Compiles(file string) bool { return slices.Contains(p.GoFiles, file) }

// List runs `go list -e -json` for patterns as seen from platform p, in
// dir (the module root).
func List(ctx context.Context, dir string, p Platform, patterns ...string) ([]*Package, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"list", "-e", "-json"}, patterns...)...)
	cmd.Dir = dir
	cmd.Env = p.Env()
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list for %s: %v\n%s", p, err, stderr.String())
	}
	var pkgs []*Package
	dec := json.NewDecoder(&out)
	for {
		var pkg Package
		if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list for %s: %w", p, err)
		}
		pkgs = append(pkgs, &pkg)
	}
	return pkgs, nil
}

// View is the module as one platform sees it: every package of the module
// that any of the platforms builds, keyed by its path relative to the
// module. A package whose files are all excluded there is present, with
// Excluded() true: `go build ./...` skips it silently, the tools say so.
type View map[string]*Package

// Views lists the module for every platform. Packages are the union over
// all platforms, so one left out on some platform is still named there.
func Views(ctx context.Context, dir string, platforms []Platform) (map[Platform]View, error) {
	views := map[Platform]View{}
	universe := map[string]bool{}
	for _, p := range platforms {
		pkgs, err := List(ctx, dir, p, "./...")
		if err != nil {
			return nil, err
		}
		v := View{}
		for _, pkg := range pkgs {
			v[pkg.Rel()] = pkg
			universe[pkg.ImportPath] = true
		}
		views[p] = v
	}
	for _, p := range platforms {
		var missing []string
		for ip := range universe {
			if _, ok := views[p][strings.TrimPrefix(strings.TrimPrefix(ip, Module), "/")]; !ok {
				missing = append(missing, ip)
			}
		}
		if len(missing) == 0 {
			continue
		}
		slices.Sort(missing)
		pkgs, err := List(ctx, dir, p, missing...)
		if err != nil {
			return nil, err
		}
		for _, pkg := range pkgs {
			views[p][pkg.Rel()] = pkg
		}
	}
	return views, nil
}

// Sorted returns the view's packages by path.
func (v View) Sorted() []*Package {
	var out []*Package
	for _, k := range slices.Sorted(maps.Keys(v)) {
		out = append(out, v[k])
	}
	return out
}

// Constraints returns the distinct //go:build lines of the package's
// non-test files, for saying why a package is left out: "unix".
func Constraints(pkg *Package) []string {
	files := append(slices.Clone(pkg.GoFiles), pkg.IgnoredGoFiles...)
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(pkg.Dir, f))
		if err != nil {
			continue
		}
		c := "(none)"
		for _, line := range strings.Split(string(data), "\n") {
			if expr, ok := strings.CutPrefix(line, "//go:build "); ok {
				c = strings.TrimSpace(expr)
				break
			}
			if strings.HasPrefix(line, "package ") {
				break
			}
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// WhyExcluded says, from the files' build lines, why a package has nothing
// to compile on a platform.
func WhyExcluded(pkg *Package) string {
	cs := Constraints(pkg)
	if len(cs) == 1 {
		return fmt.Sprintf("every file of %s is //go:build %s", pkg.Rel(), cs[0])
	}
	return fmt.Sprintf("build constraints exclude every file of %s (its files need: %s)", pkg.Rel(), strings.Join(cs, "; "))
}

// ParseFiles parses the package's compiled files (not its tests).
func ParseFiles(pkg *Package) (*token.FileSet, []*ast.File, error) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range pkg.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(pkg.Dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	return fset, files, nil
}

// StubMessage returns, for a command whose main on this platform only
// says it is not supported, the message it prints ("multiplex: not
// supported on %s"), and "" for a real server. It reads func main of the
// files compiled there.
func StubMessage(pkg *Package) (string, error) {
	if pkg.Name != "main" {
		return "", nil
	}
	_, files, err := ParseFiles(pkg)
	if err != nil {
		return "", err
	}
	msg := ""
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "main" || fn.Recv != nil || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && strings.Contains(s, "not supported") {
						msg = strings.TrimSpace(s)
					}
				}
				return true
			})
		}
	}
	return msg, nil
}

// Exclusion is a spec left out of the suite's run under qemu-user, with
// the reason, which docs/platforms.md and `tools/ports run` both print.
type Exclusion struct {
	ID  string
	Why string
}

// Emulated are the specs that cannot hold when the suite and the servers
// run under qemu-user: `tools/ports run` leaves them out with
// --ginkgo.label-filter (unless told otherwise with -exclude) and says so.
var Emulated = []Exclusion{
	{"MODEL-6", "MODEL-6 reads /proc/PID/task/TID/syscall to check that the idle event loop's thread is blocked in its declared " +
		"mechanism's system call and that no thread is blocked reading one connection, and names the numbers with the table of " +
		"the CPU the suite was built for (procfs/syscalls_linux_generic.go on arm64 and riscv64: epoll_pwait = 22, read = 63). " +
		"Under qemu-user the kernel runs qemu, so that file holds the number of the HOST system call qemu made for the guest " +
		"(x86-64: epoll_pwait = 281, read = 0), which the guest's table does not know or misnames (host futex = 202 reads as " +
		"arm64 accept). With -exclude none it fails for every target that declares a mechanism (epoll, poll, select: \"no thread " +
		"of the idle server is blocked in epoll_pwait (22)\"), and passes for the selector target, which declares none, only " +
		"because the blocked-reading check cannot recognise the host's read either. Its process and thread counts do hold " +
		"under qemu; its system-call check can only be shown on real hardware."},
}

// QEMUArch is qemu's name for a Go architecture, or "" if the tools know
// none.
func QEMUArch(goarch string) string {
	switch goarch {
	case "arm64":
		return "aarch64"
	case "riscv64":
		return "riscv64"
	case "amd64":
		return "x86_64"
	case "loong64":
		return "loongarch64"
	}
	return ""
}
