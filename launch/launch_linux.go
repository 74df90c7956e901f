package launch

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
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
func listening(pid int, _ string, port int) bool {
	want := fmt.Sprintf(":%04X ", port)
	for _, f := range []string{"tcp", "tcp6"} {
		fh, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, f))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			// "sl local_address rem_address st ...": st 0A is LISTEN.
			fields := strings.Fields(sc.Text())
			if len(fields) > 3 && fields[3] == "0A" && strings.HasSuffix(fields[1]+" ", want) {
				fh.Close()
				return true
			}
		}
		fh.Close()
	}
	return false
}
