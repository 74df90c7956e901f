//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package launch

import (
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/echospec/echospec/netns"
)

// Platform is what the kit does on the BSDs and macOS to start a server
// and see it listen (see Facts).
var Platform = Facts{
	Prepare: "prepare has nothing to do here: these systems have no child " +
		"subreaper (FreeBSD's procctl(PROC_REAP_ACQUIRE) is the " +
		"equivalent, not used yet), so a server's orphans go to init " +
		"and only its process group is stopped.",
	SelfExe: "selfExe is the kit's own executable, run as the pre-exec shim.",
	Listening: "listening probes the port with a connection: there is no /proc " +
		"to read.",
}

// prepare does what Platform.Prepare says.
func prepare() {}

// selfExe does what Platform.SelfExe says.
func selfExe() (string, error) { return os.Executable() }

// DieWithParent does nothing: there is no parent-death signal here.
func DieWithParent(*exec.Cmd, syscall.Signal) {}

// SweepOrphans does nothing: without a child subreaper, orphans go to
// init, which reaps them.
func SweepOrphans(map[int]bool) {}

// listening does what Platform.Listening says.
func listening(_ *netns.NS, host string, port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 100*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// listensElsewhere finds nothing: without /proc the kit cannot tell whose
// listener it would see.
func listensElsewhere(*netns.NS, int, int) []netip.AddrPort { return nil }
