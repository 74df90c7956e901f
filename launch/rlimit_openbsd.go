package launch

import (
	"github.com/echospec/echospec/rlimit"
	"golang.org/x/sys/unix"
)

// LimitFacts say how a server's resources are bounded on OpenBSD
// (see Facts).
var LimitFacts = Facts{
	Resources: "resources on OpenBSD, which has no RLIMIT_AS: the " +
		"address-space limit becomes RLIMIT_DATA (heap only), and " +
		"processes are bounded by RLIMIT_NPROC, which counts the whole " +
		"user's processes.",
}

// resources does what LimitFacts.Resources says.
func resources(s rlimit.Set, _ bool) []resource {
	return []resource{
		{"RLIMIT_NOFILE", unix.RLIMIT_NOFILE, s.OpenFiles},
		{"RLIMIT_DATA", unix.RLIMIT_DATA, s.AddressSpace},
		{"RLIMIT_CPU", unix.RLIMIT_CPU, s.CPUSeconds()},
		{"RLIMIT_FSIZE", unix.RLIMIT_FSIZE, s.FileSize},
		{"RLIMIT_CORE", unix.RLIMIT_CORE, 0},
		{"RLIMIT_NPROC", unix.RLIMIT_NPROC, s.Processes},
	}
}
