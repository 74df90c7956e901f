package launch

import (
	"github.com/echospec/echospec/rlimit"
	"golang.org/x/sys/unix"
)

// LimitFacts say how a server's resources are bounded on Linux
// (see Facts).
var LimitFacts = Facts{
	Resources: "resources on Linux: the pids cgroup bounds processes and " +
		"threads when the kit can make one (root, cgroup v1 pids); " +
		"RLIMIT_NPROC otherwise.",
}

// resources does what LimitFacts.Resources says.
func resources(s rlimit.Set, pidsCgroup bool) []resource {
	r := []resource{
		{"RLIMIT_NOFILE", unix.RLIMIT_NOFILE, s.OpenFiles},
		{"RLIMIT_AS", unix.RLIMIT_AS, s.AddressSpace},
		{"RLIMIT_CPU", unix.RLIMIT_CPU, s.CPUSeconds()},
		{"RLIMIT_FSIZE", unix.RLIMIT_FSIZE, s.FileSize},
		{"RLIMIT_CORE", unix.RLIMIT_CORE, 0},
	}
	if !pidsCgroup {
		// RLIMIT_NPROC counts the user's processes and threads, not the
		// server's, and root is exempt; the pids cgroup is exact.
		r = append(r, resource{"RLIMIT_NPROC", unix.RLIMIT_NPROC, s.Processes})
	}
	return r
}
