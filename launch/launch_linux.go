package launch

import (
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/procfs"
)

var subreaper sync.Once

// prepare makes the kit a child subreaper, so a server's orphaned
// processes are re-parented to the kit (and reaped by it) instead of init.
func prepare() {
	subreaper.Do(func() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) })
}

// selfExe is the kit's own executable, run as the pre-exec shim. Through
// /proc it is the running binary even if its file has since been replaced
// or removed (ginkgo rebuilds spec.test in place between runs).
func selfExe() (string, error) { return "/proc/self/exe", nil }

func platformAttr(a *syscall.SysProcAttr) {
	// If the kit dies, the server it started dies with it.
	a.Pdeathsig = syscall.SIGKILL
}

// listening reports whether a socket in pid's network namespace listens on
// port. It reads /proc instead of connecting, so the check itself does not
// hand the server a connection.
func listening(pid int, _ string, port int) bool { return procfs.Listens(pid, port) }
