//go:build !linux

package launch

// Off Linux there is no /proc to find a server's processes outside its
// process group, and no pids cgroup: only the group is stopped.

const runTokenVar = "ECHOSPEC_RUN"

func newRunToken() string             { return "" }
func newCgroup(string, uint64) string { return "" }
func removeCgroup(string)             {}
func strays(string, string) []int     { return nil }
func reapStray(int)                   {}
func describeProcs(pids []int) string { return "" }

// WithEnv needs /proc; it finds nothing elsewhere.
func WithEnv(string) []int { return nil }
