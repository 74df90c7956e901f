package launch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/rlimit"
)

// The sandbox's init. The kit starts its own executable with sandboxEnv
// set, in new pid and mount namespaces (and a user namespace when it is
// not root); that process, PID 1 there, joins the run's cgroups, builds
// the sandbox's view of the files, applies the limits and starts the
// server as the sandbox's user. It then reaps every process of the
// namespace, tells the kit (fd 3) the server's host pid and, later, its
// wait status, forwards SIGTERM, SIGINT and SIGHUP to the server's group,
// and exits once nothing is left. It runs from this package's init, before
// any other code of the kit, and never returns.
func init() {
	if v, ok := os.LookupEnv(sandboxEnv); ok {
		runInit(v)
	}
}

func runInit(config string) {
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "echospec sandbox: "+format+"\n", args...)
		os.Exit(127)
	}
	var c initConfig
	if err := json.Unmarshal([]byte(config), &c); err != nil {
		fail("reading the kit's instructions: %v", err)
	}
	report := os.NewFile(3, "report")
	for _, procs := range c.Procs {
		if err := os.WriteFile(procs, []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
			fail("joining the cgroup %s: %v", filepath.Dir(procs), err)
		}
	}
	// The host's /proc, kept open: in it the server's pid is the host's.
	hostProc, err := unix.Open("/proc", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		fail("opening /proc: %v", err)
	}
	if err := c.mount(); err != nil {
		fail("%v", err)
	}
	if c.Probe {
		os.Exit(0)
	}
	set, err := rlimit.Decode(c.Limits)
	if err != nil {
		fail("%v", err)
	}
	if err := applyLimits(set, c.PidsCgroup); err != nil {
		fail("%v", err)
	}
	// Nothing started from here gains privileges by exec (setuid files).
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fail("prctl(PR_SET_NO_NEW_PRIVS): %v", err)
	}
	unix.Umask(0o022)
	sys := &syscall.SysProcAttr{Setpgid: true}
	if c.UserNS {
		// A user namespace inside this one, in which the server is
		// nsUID and holds no capability, and the mounts made here are
		// locked: it cannot undo them.
		sys.Cloneflags = unix.CLONE_NEWUSER
		sys.UidMappings = []syscall.SysProcIDMap{{ContainerID: nsUID, HostID: 0, Size: 1}}
		sys.GidMappings = []syscall.SysProcIDMap{{ContainerID: nsUID, HostID: 0, Size: 1}}
		sys.GidMappingsEnableSetgroups = false
		sys.Credential = &syscall.Credential{Uid: nsUID, Gid: nsUID, NoSetGroups: true}
	} else {
		sys.Credential = &syscall.Credential{Uid: uint32(c.UID), Gid: uint32(c.GID), Groups: []uint32{}}
	}
	// Signals that arrive before the server exists are passed on once it
	// does.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP)
	pid, err := syscall.ForkExec(c.Path, c.Argv, &syscall.ProcAttr{
		Dir: c.Dir, Env: c.Env, Files: []uintptr{0, 1, 2}, Sys: sys,
	})
	if err != nil {
		fail("cannot run %q: %v", c.Path, err)
	}
	host, err := hostPID(hostProc, pid)
	if err != nil {
		fail("%v", err)
	}
	fmt.Fprintf(report, "pid %d\n", host)
	go func() {
		for s := range sigs {
			_ = unix.Kill(-pid, s.(syscall.Signal))
		}
	}()
	for {
		var ws unix.WaitStatus
		p, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			os.Exit(0) // ECHILD: nothing of the server is left
		}
		if p == pid {
			outputRead()
			fmt.Fprintf(report, "exit %d\n", uint32(ws))
		}
	}
}

// outputRead waits, for at most two seconds, until the kit has read
// (FIONREAD, spelled TIOCINQ in x/sys/unix)
// everything in the output pipes (fds 1 and 2, which the server shared),
// so that what the server printed before it ended is in the kit's hands
// when it hears of the end. Children that go on writing can only delay
// the report by that bound.
func outputRead() {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		n1, err1 := unix.IoctlGetInt(1, unix.TIOCINQ)
		n2, err2 := unix.IoctlGetInt(2, unix.TIOCINQ)
		if (err1 != nil || n1 == 0) && (err2 != nil || n2 == 0) {
			return
		}
		time.Sleep(time.Millisecond) // polling the pipes' fill, an observable state
	}
}

// hostPID finds, in the host's /proc, the child of this process whose pid
// in this namespace is pid.
func hostPID(hostProc, pid int) (int, error) {
	want := strconv.Itoa(pid)
	tasks, err := readDirAt(hostProc, "self/task")
	if err != nil {
		return 0, fmt.Errorf("listing this process's threads in the host's /proc: %v", err)
	}
	for _, t := range tasks {
		data, _ := readFileAt(hostProc, "self/task/"+t+"/children")
		for c := range strings.FieldsSeq(string(data)) {
			status, _ := readFileAt(hostProc, c+"/status")
			for line := range strings.SplitSeq(string(status), "\n") {
				if v, ok := strings.CutPrefix(line, "NSpid:"); ok {
					f := strings.Fields(v)
					if len(f) > 0 && f[len(f)-1] == want {
						return strconv.Atoi(c)
					}
				}
			}
		}
	}
	return 0, fmt.Errorf("cannot find the server (pid %d here) among this process's children in the host's /proc", pid)
}

func readFileAt(dirfd int, name string) ([]byte, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	return io.ReadAll(f)
}

func readDirAt(dirfd int, name string) ([]string, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	return f.Readdirnames(-1)
}

// alwaysHidden are folders no sandboxed process sees: the users' homes
// and the runtime state of the machine's services (their sockets).
var alwaysHidden = []string{"/home", "/root", "/run"}

// mount builds the sandbox's view of the files; see SandboxFacts.Files.
func (c *initConfig) mount() error {
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("setting up the sandbox: %s: %w", what, err)
		}
		return nil
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return step("making / private", err)
	}
	// Detach what must survive being covered (a folder under /tmp or
	// a hidden one) before anything is covered.
	type held struct {
		fd   int
		path string
	}
	var binds, lowers []held
	for _, b := range c.Binds {
		from := b.From
		if from == "" {
			from = b.Path
		}
		if b.Writable {
			if err := handOver(from, c.uid(), c.gid()); err != nil {
				return step("handing "+from+" to the sandbox's user", err)
			}
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, from, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
		if err != nil {
			return step("cloning "+from, err)
		}
		if !b.Writable {
			if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
				return step("making "+from+" read-only", err)
			}
		}
		binds = append(binds, held{fd, b.Path})
	}
	for _, p := range c.Caches {
		fd, err := unix.OpenTree(unix.AT_FDCWD, p, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
		if err != nil {
			return step("cloning "+p, err)
		}
		lowers = append(lowers, held{fd, p})
	}
	// The disk: one tmpfs, /tmp, holding the private copy of the folder,
	// /dev/shm and the caches' private layers.
	fsfd, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return step("fsopen(tmpfs)", err)
	}
	if err := unix.FsconfigSetString(fsfd, "size", strconv.FormatUint(c.Disk, 10)); err != nil {
		return step("tmpfs size", err)
	}
	if err := unix.FsconfigSetString(fsfd, "mode", "1777"); err != nil {
		return step("tmpfs mode", err)
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return step("tmpfs", err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV)
	if err != nil {
		return step("fsmount(tmpfs)", err)
	}
	unix.Close(fsfd)
	disk := "/proc/self/fd/" + strconv.Itoa(mfd)
	own := filepath.Join(disk, ".echospec")
	for _, d := range []struct {
		path  string
		mode  os.FileMode
		owned bool
	}{{own, 0o755, false}, {own + "/shm", 0o1777, false}, {own + "/work", 0o755, true}} {
		if err := os.Mkdir(d.path, d.mode); err != nil {
			return step("making the private folders", err)
		}
		if err := os.Chmod(d.path, d.mode); err != nil {
			return step("making the private folders", err)
		}
		if d.owned {
			if err := os.Chown(d.path, c.uid(), c.gid()); err != nil {
				return step("making the private folders", err)
			}
		}
	}
	if c.Copy != "" {
		if err := copyTree(c.Copy, own+"/work", c.uid(), c.gid()); err != nil {
			if errors.Is(err, unix.ENOSPC) {
				return fmt.Errorf("the folder %s does not fit in the sandbox's disk limit of %s ([limits] disk)", c.Copy, rlimit.Bytes(c.Disk))
			}
			return step("copying "+c.Copy, err)
		}
	}
	for i, l := range lowers {
		layer := fmt.Sprintf("%s/cache%d", own, i)
		if err := os.Mkdir(layer, 0o755); err != nil {
			return step("the private layer of "+l.path, err)
		}
		if err := mirrorDirs(l.path, layer+"/upper", c.uid(), c.gid()); err != nil {
			return step("the private layer of "+l.path, err)
		}
		for _, d := range []string{layer + "/work", layer + "/lower"} {
			if err := os.Mkdir(d, 0o700); err != nil {
				return step("the private layer of "+l.path, err)
			}
		}
	}
	// Everything read-only, then the hidden folders covered.
	if err := unix.MountSetattr(unix.AT_FDCWD, "/", unix.AT_RECURSIVE, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
		return step("making every mount read-only", err)
	}
	for _, h := range append(append([]string{}, alwaysHidden...), c.Hide...) {
		if st, err := os.Stat(h); err != nil || !st.IsDir() {
			continue
		}
		if err := unix.Mount("tmpfs", h, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=1m,mode=0755"); err != nil {
			return step("hiding "+h, err)
		}
	}
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, "/tmp", unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return step("mounting the private /tmp", err)
	}
	// Each place the server is shown something must be reachable by its
	// user: a folder on the way that only its owner may enter (a
	// teacher's 0700 folder) is covered, and the way made anew below it.
	var places []string
	for _, l := range lowers {
		places = append(places, l.path)
	}
	for _, b := range binds {
		places = append(places, b.path)
	}
	if c.Copy != "" {
		places = append(places, c.Dir)
	}
	for _, p := range places {
		if err := openWay(p); err != nil {
			return step("opening the way to "+p, err)
		}
	}
	own = "/tmp/.echospec"
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if err := unix.Mount(own+"/shm", "/dev/shm", "", unix.MS_BIND, ""); err != nil {
			return step("mounting the private /dev/shm", err)
		}
	}
	for i, l := range lowers {
		layer := fmt.Sprintf("%s/cache%d", own, i)
		if err := unix.MoveMount(l.fd, "", unix.AT_FDCWD, layer+"/lower", unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
			return step("mounting "+l.path, err)
		}
		if err := mkdirAll(l.path); err != nil {
			return step("making "+l.path, err)
		}
		opts := fmt.Sprintf("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work", layer, layer, layer)
		if err := unix.Mount("overlay", l.path, "overlay", 0, opts); err != nil {
			return step("the private layer of "+l.path, err)
		}
	}
	// Outer folders first, so that one bound inside another stays seen;
	// a bound folder shows what it holds as the host has it, so what is
	// hidden inside it is covered again.
	slices.SortStableFunc(binds, func(a, b held) int {
		return strings.Count(a.path, "/") - strings.Count(b.path, "/")
	})
	for _, b := range binds {
		if err := mkdirAll(b.path); err != nil {
			return step("making "+b.path, err)
		}
		if err := unix.MoveMount(b.fd, "", unix.AT_FDCWD, b.path, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
			return step("mounting "+b.path, err)
		}
		for _, h := range c.Hide {
			if !strings.HasPrefix(h, b.path+"/") {
				continue
			}
			if st, err := os.Stat(h); err != nil || !st.IsDir() {
				continue
			}
			if err := unix.Mount("tmpfs", h, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=1m,mode=0755"); err != nil {
				return step("hiding "+h, err)
			}
		}
	}
	if c.Copy != "" {
		if err := mkdirAll(c.Dir); err != nil {
			return step("making "+c.Dir, err)
		}
		if err := unix.Mount(own+"/work", c.Dir, "", unix.MS_BIND, ""); err != nil {
			return step("mounting the private copy at "+c.Dir, err)
		}
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return step("mounting /proc", err)
	}
	return nil
}

func (c *initConfig) uid() int {
	if c.UserNS {
		return 0 // nsUID in the server's namespace maps to this one's 0
	}
	return c.UID
}

func (c *initConfig) gid() int {
	if c.UserNS {
		return 0
	}
	return c.GID
}

// handOver gives dir and everything in it to uid:gid, and lets everyone
// read it (a build's output, which the server later reads as another
// user).
func handOver(dir string, uid, gid int) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// openWay covers the first folder on the way to path (path itself
// excluded) that others may not enter, if there is one.
func openWay(path string) error {
	parts := strings.Split(filepath.Clean(path), string(filepath.Separator))
	cur := string(filepath.Separator)
	for _, part := range parts[1 : len(parts)-1] {
		cur = filepath.Join(cur, part)
		st, err := os.Stat(cur)
		if err != nil {
			return nil // missing: made in a covering tmpfs by mkdirAll
		}
		if st.Mode().Perm()&0o001 == 0 {
			return unix.Mount("tmpfs", cur, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=1m,mode=0755")
		}
	}
	return nil
}

// mkdirAll makes path where it is missing: inside a covering tmpfs or
// /tmp. An existing folder is kept.
func mkdirAll(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil
	}
	return os.MkdirAll(path, 0o755)
}

// mirrorDirs makes dst a tree of empty folders shaped like src's, owned by
// uid:gid: as overlayfs's upper layer, it makes every folder of the lower
// one writable by the sandbox's user without copying a file.
func mirrorDirs(src, dst string, uid, gid int) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == src {
				return err
			}
			return nil // unreadable below the top: left to the lower layer
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if err := os.Mkdir(to, 0o755); err != nil {
			return err
		}
		return os.Chown(to, uid, gid)
	})
}
