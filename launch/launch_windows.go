package launch

import (
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/echospec/echospec/netns"
)

// Platform is what the kit does on Windows (see Facts): Windows has no
// process groups that can be signalled as a whole, so the kit does not
// start servers there; test a running server with --addr.
var Platform = Facts{
	Unsupported: "launch: starting servers is not supported on windows; " +
		"start the server yourself and use --addr",
}

var errUnsupported = errors.New(Platform.Unsupported)

func supported() error                                            { return errUnsupported }
func prepare()                                                    {}
func isolate(*exec.Cmd)                                           {}
func OwnGroup(*exec.Cmd)                                          {}
func DieWithParent(*exec.Cmd, syscall.Signal)                     {}
func SweepOrphans(map[int]bool)                                   {}
func listening(*netns.NS, string, int) bool                       { return false }
func groupGone(int) bool                                          { return true }
func reapGroup(int)                                               {}
func stopGroup(int, <-chan struct{}, time.Duration, func() []int) {}
func getpgid(int) (int, error)                                    { return 0, errUnsupported }
func selfExe() (string, error)                                    { return os.Executable() }
func shimArgv(path string, argv []string) []string                { return argv }
func exitText(st *os.ProcessState) string                         { return "exited: " + st.String() }

// SignalGroup ends the process pgid: there are no process groups to
// signal here, and no SIGTERM, so the process alone is killed.
func SignalGroup(pgid int, _ os.Signal) error {
	p, err := os.FindProcess(pgid)
	if err != nil {
		return nil
	}
	return p.Kill()
}

// listensElsewhere finds nothing: without /proc the kit cannot tell whose
// listener it would see.
func listensElsewhere(*netns.NS, int, int) []netip.AddrPort { return nil }
