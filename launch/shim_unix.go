//go:build unix

package launch

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/echospec/echospec/rlimit"
)

// The pre-exec shim. The kit does not start a server directly: it starts
// its own executable with shimEnv set, and that process (already in the
// server's process group, network namespace and, where there is one, pids
// cgroup) applies the limits and then execs the server. So the limits bind
// from the server's first instruction, and everything it forks inherits
// them. The shim runs from this package's init, before any other code of
// the kit, and never returns.
func init() {
	if v, ok := os.LookupEnv(shimEnv); ok {
		shim(v)
	}
}

// shimArgv is how Start asks the shim to run path with argv.
func shimArgv(path string, argv []string) []string {
	return append([]string{"echospec-launch", path}, argv...)
}

func shim(limits string) {
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "echospec launcher: "+format+"\n", args...)
		os.Exit(127)
	}
	if len(os.Args) < 3 {
		fail("started without a command (os.Args = %q)", os.Args)
	}
	set, err := rlimit.Decode(limits)
	if err != nil {
		fail("%v", err)
	}
	cgroup := os.Getenv(cgroupEnv)
	if cgroup != "" {
		if err := os.WriteFile(cgroup, []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
			fail("joining the pids cgroup %s: %v", cgroup, err)
		}
	}
	if err := applyLimits(set, cgroup != ""); err != nil {
		fail("%v", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, shimEnv+"=") && !strings.HasPrefix(kv, cgroupEnv+"=") {
			env = append(env, kv)
		}
	}
	err = syscall.Exec(os.Args[1], os.Args[2:], env)
	fail("cannot run %q: %v", os.Args[1], err)
}

// applyLimits sets each limit, never above the hard limit the kit itself
// runs under.
func applyLimits(s rlimit.Set, pidsCgroup bool) error {
	for _, l := range resources(s, pidsCgroup) {
		if err := setLimit(l.res, l.val); err != nil {
			return fmt.Errorf("setrlimit(%s, %d): %v", l.name, l.val, err)
		}
	}
	return nil
}

type resource struct {
	name string
	res  int
	val  uint64
}
