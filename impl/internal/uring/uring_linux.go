package uring

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Ring is one io_uring instance and its mapped submission and completion
// queues.
type Ring struct {
	fd       int
	Features uint32
	Flags    uint32 // the setup flags the kernel accepted

	sqMem, cqMem, sqeMem []byte

	sqHead, sqTail, sqFlags *uint32
	sqMask                  uint32
	sqes                    []SQE
	sqLocal                 uint32 // our tail: entries prepared, not yet published

	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []CQE

	// Raw makes Enter use unix.RawSyscall6: for an event loop locked to
	// its thread that must not hand its P to the scheduler while it waits
	// (impl/multiplex/sys_linux.go says why). Anywhere else, leave it
	// false so a blocking wait does not stall other goroutines.
	Raw bool

	// Enters counts io_uring_enter calls, for the loop's statistics.
	Enters uint64
}

// Options for New.
type Options struct {
	Entries   uint32 // submission queue entries, rounded up to a power of 2
	CQEntries uint32 // completion queue entries; 0: twice Entries
	// SingleThread asks for IORING_SETUP_SINGLE_ISSUER|DEFER_TASKRUN
	// (6.1): completions are only worked on inside io_uring_enter, so
	// nothing interrupts the loop between waits. Only for a ring that one
	// locked OS thread uses. Dropped, falling back to COOP_TASKRUN and then
	// to no flags, where the kernel refuses it.
	SingleThread bool
}

// New sets up a ring. The error says what the kernel refused; errors.Is
// finds unix.ENOSYS and unix.EPERM where io_uring is missing or disabled
// (Unavailable explains which).
func New(o Options) (*Ring, error) {
	var tries []uint32
	if o.SingleThread {
		tries = append(tries, deferredTaskrunFlags)
	}
	tries = append(tries, defaultTaskrunFlags, 0)
	var p Params
	var fd int
	var err error
	for _, flags := range tries {
		p = Params{SQEntries: o.Entries, Flags: flags | SetupClamp}
		if o.CQEntries > 0 {
			p.Flags |= SetupCQSize
			p.CQEntries = o.CQEntries
		}
		fd, err = setup(o.Entries, &p)
		if err != unix.EINVAL {
			break
		}
		// EINVAL: a flag this kernel does not know; try with fewer.
	}
	if err != nil {
		return nil, os.NewSyscallError("io_uring_setup", err)
	}
	r := &Ring{fd: fd, Features: p.Features, Flags: p.Flags}
	if err := r.mapRings(&p); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func setup(entries uint32, p *Params) (int, error) {
	fd, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	if e != 0 {
		return -1, e
	}
	unix.CloseOnExec(int(fd))
	return int(fd), nil
}

func (r *Ring) mapRings(p *Params) error {
	sqSize := int(p.SQOff.array + p.SQEntries*4)
	cqSize := int(p.CQOff.cqes + p.CQEntries*uint32(unsafe.Sizeof(CQE{})))
	if p.Features&FeatSingleMmap != 0 {
		sqSize = max(sqSize, cqSize)
	}
	var err error
	const prot, flags = unix.PROT_READ | unix.PROT_WRITE, unix.MAP_SHARED | unix.MAP_POPULATE
	if r.sqMem, err = unix.Mmap(r.fd, offSQRing, sqSize, prot, flags); err != nil {
		return os.NewSyscallError("mmap of the io_uring submission ring", err)
	}
	r.cqMem = r.sqMem
	if p.Features&FeatSingleMmap == 0 {
		if r.cqMem, err = unix.Mmap(r.fd, offCQRing, cqSize, prot, flags); err != nil {
			r.cqMem = nil
			return os.NewSyscallError("mmap of the io_uring completion ring", err)
		}
	}
	sqeSize := int(p.SQEntries) * int(unsafe.Sizeof(SQE{}))
	if r.sqeMem, err = unix.Mmap(r.fd, offSQEs, sqeSize, prot, flags); err != nil {
		return os.NewSyscallError("mmap of the io_uring submission entries", err)
	}
	u32 := func(mem []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	r.sqHead, r.sqTail, r.sqFlags = u32(r.sqMem, p.SQOff.head), u32(r.sqMem, p.SQOff.tail), u32(r.sqMem, p.SQOff.flags)
	r.sqMask = *u32(r.sqMem, p.SQOff.ringMask)
	r.sqes = unsafe.Slice((*SQE)(unsafe.Pointer(&r.sqeMem[0])), p.SQEntries)
	// The index array maps ring slots to entries; the identity, set once,
	// lets the tail alone publish entries, as liburing does.
	array := unsafe.Slice(u32(r.sqMem, p.SQOff.array), p.SQEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	r.sqLocal = atomic.LoadUint32(r.sqTail)
	r.cqHead, r.cqTail = u32(r.cqMem, p.CQOff.head), u32(r.cqMem, p.CQOff.tail)
	r.cqMask = *u32(r.cqMem, p.CQOff.ringMask)
	r.cqes = unsafe.Slice((*CQE)(unsafe.Pointer(&r.cqMem[p.CQOff.cqes])), p.CQEntries)
	return nil
}

// Close unmaps the rings and closes the ring's descriptor, which cancels
// every request still in flight.
func (r *Ring) Close() error {
	if r.sqeMem != nil {
		_ = unix.Munmap(r.sqeMem)
	}
	// With FeatSingleMmap both rings share one mapping.
	if r.cqMem != nil && (r.sqMem == nil || &r.cqMem[0] != &r.sqMem[0]) {
		_ = unix.Munmap(r.cqMem)
	}
	if r.sqMem != nil {
		_ = unix.Munmap(r.sqMem)
	}
	r.sqeMem, r.cqMem, r.sqMem = nil, nil, nil
	return os.NewSyscallError("close", unix.Close(r.fd))
}

// FD is the ring's descriptor.
func (r *Ring) FD() int { return r.fd }

// SQE returns the next free submission entry, zeroed, or nil if the
// submission queue is full (Submit, then try again).
func (r *Ring) SQE() *SQE {
	head := atomic.LoadUint32(r.sqHead)
	if r.sqLocal-head >= uint32(len(r.sqes)) {
		return nil
	}
	e := &r.sqes[r.sqLocal&r.sqMask]
	*e = SQE{}
	r.sqLocal++
	return e
}

// Pending is the number of entries prepared and not yet submitted.
func (r *Ring) Pending() uint32 { return r.sqLocal - atomic.LoadUint32(r.sqHead) }

// Submit hands the prepared entries to the kernel without waiting.
func (r *Ring) Submit() (int, error) { return r.Enter(0, 0) }

// Enter publishes the prepared entries, submits them and, if wait is
// nonzero, waits until at least one completion is ready: for ever if wait
// is negative, at most wait if positive (unix.ETIME once it has passed).
// With wait 0 it still collects completions the kernel has pending work
// for. It returns how many entries were submitted; on EINTR (a signal)
// nothing was lost, call it again.
func (r *Ring) Enter(wait time.Duration, minComplete uint32) (int, error) {
	atomic.StoreUint32(r.sqTail, r.sqLocal)
	toSubmit := r.sqLocal - atomic.LoadUint32(r.sqHead)
	flags := uintptr(enterGetEvents)
	if wait != 0 && minComplete == 0 {
		minComplete = 1
	}
	if wait == 0 {
		minComplete = 0
	}
	var arg unsafe.Pointer
	var argSize uintptr
	var ts unix.Timespec
	var ga getEventsArg
	if wait > 0 {
		ts = unix.NsecToTimespec(int64(wait))
		ga.ts = uint64(uintptr(unsafe.Pointer(&ts)))
		arg, argSize = unsafe.Pointer(&ga), getEventsArgSize
		flags |= enterExtArg
	}
	syscall6 := unix.Syscall6
	if r.Raw {
		syscall6 = unix.RawSyscall6
	}
	r.Enters++
	n, _, e := syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), uintptr(minComplete), flags, uintptr(arg), argSize)
	if e != 0 {
		return int(n), e
	}
	return int(n), nil
}

// Peek returns the completions ready now, without waiting. They stay in
// the ring until Advance; the slice aliases the ring.
func (r *Ring) Peek() (first, second []CQE) {
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	if head == tail {
		return nil, nil
	}
	h, t := head&r.cqMask, tail&r.cqMask
	if h < t {
		return r.cqes[h:t], nil
	}
	return r.cqes[h:], r.cqes[:t]
}

// Advance gives n completions back to the kernel.
func (r *Ring) Advance(n int) {
	atomic.AddUint32(r.cqHead, uint32(n))
}

// Overflowed reports that completions did not fit in the ring and wait
// in the kernel (FeatNoDrop): an Enter with wait 0 moves them in once
// there is room.
func (r *Ring) Overflowed() bool { return atomic.LoadUint32(r.sqFlags)&sqCQOverflow != 0 }

// Supports reports which opcodes this kernel's io_uring implements
// (IORING_REGISTER_PROBE, 5.6).
func (r *Ring) Supports(op uint8) bool {
	var p probe
	_, _, e := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), registerProbe, uintptr(unsafe.Pointer(&p)), probeOps, 0, 0)
	if e != 0 || op > p.lastOp {
		return false
	}
	return p.ops[op].flags&probeOpSupported != 0
}

// String describes the ring for a log line.
func (r *Ring) String() string {
	mode := "plain task work"
	switch {
	case r.Flags&SetupDeferTaskrun != 0:
		mode = "single issuer, deferred task work"
	case r.Flags&SetupCoopTaskrun != 0:
		mode = "cooperative task work"
	}
	return fmt.Sprintf("io_uring with %d submission and %d completion entries, %s", len(r.sqes), len(r.cqes), mode)
}
