//go:build darwin || dragonfly || freebsd || netbsd

package launch

import (
	"github.com/echospec/echospec/rlimit"
	"golang.org/x/sys/unix"
)

// LimitFacts say how a server's resources are bounded on the BSDs
// (OpenBSD aside) and macOS (see Facts).
var LimitFacts = Facts{
	Resources: "resources on the BSDs and macOS: no pids cgroup, so processes " +
		"are bounded by RLIMIT_NPROC, which counts the whole user's " +
		"processes.",
}

// resources does what LimitFacts.Resources says.
func resources(s rlimit.Set, _ bool) []resource {
	return []resource{
		{"RLIMIT_NOFILE", unix.RLIMIT_NOFILE, s.OpenFiles},
		{"RLIMIT_AS", unix.RLIMIT_AS, s.AddressSpace},
		{"RLIMIT_CPU", unix.RLIMIT_CPU, s.CPUSeconds()},
		{"RLIMIT_FSIZE", unix.RLIMIT_FSIZE, s.FileSize},
		{"RLIMIT_CORE", unix.RLIMIT_CORE, 0},
		{"RLIMIT_NPROC", unix.RLIMIT_NPROC, s.Processes},
	}
}
