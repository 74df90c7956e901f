package servertest

import "testing"

// SkipUnavailable skips the test if err says the server's mechanism
// cannot be used on this system although it is compiled in: io_uring
// with kernel.io_uring_disabled set, under a seccomp filter (Docker's
// default profile), or on a kernel without it. The skip gives the reason,
// so a run that checked less than usual says so. A nil err does nothing.
func SkipUnavailable(t testing.TB, mechanism string, err error) {
	t.Helper()
	if err != nil {
		t.Skipf("-mechanism %s is not available on this system: %v", mechanism, err)
	}
}
