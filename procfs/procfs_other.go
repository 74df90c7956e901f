//go:build !linux

package procfs

// TicksPerSecond is meaningless without /proc; kept so callers compile.
const TicksPerSecond = 100

// Group is not available without /proc.
func Group(int) ([]Proc, error) { return nil, ErrUnsupported }

// FDTotal counts descriptors in a snapshot.
func FDTotal(ps []Proc) int { return 0 }

// CPUTotal sums CPU time in a snapshot.
func CPUTotal(ps []Proc) uint64 { return 0 }

// TimeWait is not available without /proc.
func TimeWait(int) (int, error) { return 0, ErrUnsupported }
