//go:build linux || darwin || netbsd || openbsd

package launch

import "golang.org/x/sys/unix"

// setLimit sets soft and hard limit res to v, or to the current hard limit
// if that is lower (an unprivileged process cannot raise it).
func setLimit(res int, v uint64) error {
	var old unix.Rlimit
	if err := unix.Getrlimit(res, &old); err != nil {
		return err
	}
	v = min(v, old.Max)
	return unix.Setrlimit(res, &unix.Rlimit{Cur: v, Max: v})
}
