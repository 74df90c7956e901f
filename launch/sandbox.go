package launch

import (
	"io"
	"io/fs"
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

// Missing is what this machine lacks for the sandbox's layer name (user,
// files, processes, memory, disk), or "" when it gives it (see Layers).
func Missing(name string) string {
	for _, l := range Layers() {
		if l.Name == name {
			return l.Missing
		}
	}
	return "no such layer: " + name
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

// CopyFolder copies the folder src into dst, which must exist: folders,
// regular files and symbolic links; sockets, fifos and devices are not
// part of a submission and are left out. A build's sandbox writes to the
// copy, never to the original.
func CopyFolder(src, dst string) error { return copyTree(src, dst, -1, -1) }

// copyTree copies the folder src to dst (which exists): folders, regular
// files and symbolic links, owned by uid:gid.
func copyTree(src, dst string, uid, gid int) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dst {
			return fs.SkipDir // the copy itself, made inside the folder
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case rel == ".":
			return nil
		case d.IsDir():
			if err := os.Mkdir(to, info.Mode().Perm()|0o700); err != nil {
				return err
			}
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, to); err != nil {
				return err
			}
		case d.Type().IsRegular():
			if err := copyFile(p, to, info.Mode().Perm()); err != nil {
				return err
			}
		default:
			return nil // sockets, fifos, devices: not part of a submission
		}
		return os.Lchown(to, uid, gid)
	})
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
