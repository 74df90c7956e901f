//go:build !linux

package launch

// StrayFacts say how a server's processes are counted and found on
// every platform but Linux (see Facts).
var StrayFacts = Facts{
	NewCgroup: "newCgroup makes nothing: there is no pids cgroup here, so " +
		"processes are bounded by RLIMIT_NPROC, which counts the whole " +
		"user's processes.",
	Strays: "strays finds nothing: without /proc only the process group is " +
		"known, so a process that leaves it (setsid) is neither found " +
		"nor stopped.",
}

// Off Linux there is no /proc to find a server's processes outside its
// process group, and no pids cgroup: only the group is stopped.

const runTokenVar = "ECHOSPEC_RUN"

func newRunToken() string { return "" }

// newCgroup does what StrayFacts.NewCgroup says.
func newCgroup(string, uint64) string { return "" }

// strays does what StrayFacts.Strays says.
func strays(string, string) []int { return nil }

func removeCgroup(string)             {}
func reapStray(int)                   {}
func describeProcs(pids []int) string { return "" }
