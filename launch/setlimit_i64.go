//go:build freebsd || dragonfly

package launch

import (
	"math"

	"golang.org/x/sys/unix"
)

// setLimit sets soft and hard limit res to v, or to the current hard limit
// if that is lower (an unprivileged process cannot raise it). Here the
// limits are signed, and a negative hard limit is RLIM_INFINITY.
func setLimit(res int, v uint64) error {
	var old unix.Rlimit
	if err := unix.Getrlimit(res, &old); err != nil {
		return err
	}
	w := int64(min(v, math.MaxInt64))
	if old.Max >= 0 {
		w = min(w, old.Max)
	}
	return unix.Setrlimit(res, &unix.Rlimit{Cur: w, Max: w})
}
