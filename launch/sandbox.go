package launch

import (
	"os"
	"path/filepath"
	"strings"
)

// Sandbox confines a server, or its build, to itself: a user of its own,
// a read-only view of the machine in which the class, the grader's
// outputs and the home folders are not there at all, a private writable
// copy of its folder, private /tmp and /dev/shm, its own process table,
// and bounded memory and disk (rlimit.Set's Memory and Disk). Where the
// platform cannot give a layer, Layers says which and what it means.
type Sandbox struct {
	// Copy, if set, is the folder whose private, writable copy the server
	// runs in, mounted at Options.Dir; what the server writes there is
	// gone when it ends. Without Copy, Dir is seen as it is, read-only,
	// unless a Bind makes it writable (a build).
	Copy string
	// Hide lists folders the server must not see: the class, the grader's
	// output folder. The home folders (/home, /root) and /run are always
	// hidden.
	Hide []string
	// Binds are folders the server sees at Path.
	Binds []Bind
	// Caches are folders the server reads as they are and writes to a
	// private layer on top, gone at the end: a toolchain's build cache,
	// which a hostile build must not poison for the next one.
	Caches []string
	// Network: a build with no network namespace of its own is given an
	// empty one; a server gets the one of Options.NetNS.
}

// Bind shows From (default: Path) at Path inside the sandbox, read-only
// unless Writable. A writable folder is handed to the sandbox's user for
// the run, everything in it, and left readable by all (a build's output,
// which its server reads as another user).
type Bind struct {
	Path     string `json:"path"`
	From     string `json:"from,omitempty"`
	Writable bool   `json:"writable,omitempty"`
}

// Layer is one confinement of the sandbox and whether this machine gives
// it: Missing is "" when it does, or what is missing and what that means.
type Layer struct {
	Name    string // user, files, processes, memory, disk
	Means   string // what it keeps from the server
	Missing string
}

// Toolchains are the read-only binds and caches a build or a server needs
// to find the machine's compilers and interpreters that live under the
// grader's home folder, which the sandbox otherwise hides: each folder of
// $PATH under $HOME (by its first component: ~/.cargo, ~/.pyenv, ~/go),
// rustup's home, and Go's module cache; Go's build cache as a Cache; and
// the environment that has Go build offline as another user (no VCS
// stamp: git refuses a repository another user owns).
func Toolchains() (binds []Bind, caches []string, env []string) {
	env = []string{"GOFLAGS=" + strings.TrimSpace(os.Getenv("GOFLAGS")+" -buildvcs=false"), "GOPROXY=off", "GOTOOLCHAIN=local"}
	home, err := os.UserHomeDir()
	if err != nil || home == "/" {
		return nil, nil, env
	}
	seen := map[string]bool{}
	add := func(p string) {
		rel, err := filepath.Rel(home, p)
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			return
		}
		top := filepath.Join(home, strings.Split(rel, string(filepath.Separator))[0])
		if st, err := os.Stat(top); err == nil && st.IsDir() && !seen[top] {
			seen[top] = true
			binds = append(binds, Bind{Path: top})
		}
	}
	for _, p := range filepath.SplitList(os.Getenv("PATH")) {
		add(p)
	}
	for _, p := range []string{os.Getenv("RUSTUP_HOME"), filepath.Join(home, ".rustup"), os.Getenv("GOMODCACHE"), filepath.Join(home, "go", "pkg", "mod")} {
		if p != "" {
			add(p)
		}
	}
	gocache := os.Getenv("GOCACHE")
	if gocache == "" {
		if d, err := os.UserCacheDir(); err == nil {
			gocache = filepath.Join(d, "go-build")
		}
	}
	if st, err := os.Stat(gocache); err == nil && st.IsDir() {
		caches = append(caches, gocache)
	}
	return binds, caches, env
}
