package procfs

import "testing"

// The numbers measured on amd64 (shared/notes): Go issues the second form
// of each, so both must be recognised.
func TestWaitNumbersAMD64(t *testing.T) {
	want := map[string][]int{"select": {23, 270}, "poll": {7, 271}, "epoll": {232, 281, 441}, "io_uring": {426}}
	for mech, nrs := range want {
		for _, nr := range nrs {
			if !In(nr, Waits(mech)) {
				t.Errorf("%d is not among %s's waits %v", nr, mech, Waits(mech))
			}
		}
	}
	if Name(281) != "epoll_pwait (281)" || Name(0) != "read (0)" {
		t.Errorf("Name(281) = %q, Name(0) = %q", Name(281), Name(0))
	}
}
