//go:build !linux

package procfs

import (
	"net/netip"
	"time"
)

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

// Socket is one TCP socket; never filled without /proc.
type Socket struct {
	Inode                 uint64
	LocalPort, RemotePort int
	LocalAddr             netip.Addr
	State                 int
	TxQueue, RxQueue      int
}

// Listening reports whether s is a listening socket.
func (s Socket) Listening() bool { return s.State == 0x0A }

// CloseWait reports whether the peer has shut down its sending side and
// the owner has not closed the socket yet.
func (s Socket) CloseWait() bool { return s.State == 0x08 }

// Established reports whether s is a connected socket.
func (s Socket) Established() bool { return s.State == 0x01 }

// Sockets is not available without /proc.
func Sockets() ([]Socket, error) { return nil, ErrUnsupported }

// Listeners is not available without /proc.
func Listeners() ([]Socket, error) { return nil, ErrUnsupported }

// SocketInodes is not available without /proc.
func SocketInodes(int) (map[uint64]bool, error) { return nil, ErrUnsupported }

// Thread is one thread; never filled without /proc.
type Thread struct{ TID, Syscall int }

// Special values of Thread.Syscall.
const (
	NotInSyscall = -1
	Running      = -2
)

// Threads is not available without /proc.
func Threads(int) ([]Thread, error) { return nil, ErrUnsupported }

// Sched is not available without /proc.
func Sched(int) (run, wait time.Duration, err error) { return 0, 0, ErrUnsupported }

// TaskSched is one thread's time on a CPU and on a run queue, and how
// often it gave the CPU up by itself or had it taken.
type TaskSched struct {
	Run, Wait              time.Duration
	Voluntary, Involuntary uint64
}

// ThreadSched is not available without /proc.
func ThreadSched(int) (map[int]TaskSched, error) { return nil, ErrUnsupported }

// Connection is not available without /proc.
func Connection(int, int) (Socket, bool, error) { return Socket{}, false, ErrUnsupported }

// Children is not available without /proc.
func Children(int) ([]Proc, error) { return nil, ErrUnsupported }

// Live is not known without /proc; it reports false.
func Live(int) bool { return false }

// Of is not available without /proc.
func Of([]int) []Proc { return nil }

// Listens is not known without /proc; it reports false.
func Listens(int) bool { return false }

// WithEnv needs /proc; it finds nothing elsewhere.
func WithEnv(string) []int { return nil }

// Comm is not known without /proc; it is "".
func Comm(int) string { return "" }
