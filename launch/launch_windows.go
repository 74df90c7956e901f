package launch

import (
	"errors"
	"os"
	"os/exec"
	"time"
)

// Windows has no process groups that can be signalled as a whole, so the
// kit does not start servers there; test a running server with --addr.
var errUnsupported = errors.New("launch: starting servers is not supported on windows; start the server yourself and use --addr")

func supported() error                                            { return errUnsupported }
func prepare()                                                    {}
func isolate(*exec.Cmd)                                           {}
func listening(int, string, int) bool                             { return false }
func signalGroup(int, os.Signal) error                            { return errUnsupported }
func groupGone(int) bool                                          { return true }
func reapGroup(int)                                               {}
func stopGroup(int, <-chan struct{}, time.Duration, func() []int) {}
func getpgid(int) (int, error)                                    { return 0, errUnsupported }
func selfExe() (string, error)                                    { return os.Executable() }
func shimArgv(path string, argv []string) []string                { return argv }
func exitText(st *os.ProcessState) string                         { return "exited: " + st.String() }
