package uring

import "unsafe"

// The Prep functions fill a zeroed entry from SQE() for one request.

// PrepPollAdd asks for one report of events (POLLIN, POLLOUT: the poll(2)
// bits) on fd. One-shot: the request ends with its completion, whose Res
// is the ready mask or -errno. Armed again on every wait, it is
// level-triggered, as poll(2) is.
func (e *SQE) PrepPollAdd(fd int, events uint32, userData uint64) {
	e.Opcode, e.Fd, e.OpFlags, e.UserData = OpPollAdd, int32(fd), events, userData
}

// PrepPollUpdate changes the events of the poll request target in place
// (5.13); its completion comes with userData: 0, or -ENOENT if target had
// completed meanwhile.
func (e *SQE) PrepPollUpdate(target uint64, events uint32, userData uint64) {
	e.Opcode, e.Fd, e.Addr, e.OpFlags, e.Len, e.UserData = OpPollRemove, -1, target, events, PollUpdateEvents, userData
}

// PrepPollRemove cancels the poll request target; the poll completes with
// -ECANCELED, this request with 0 or -ENOENT.
func (e *SQE) PrepPollRemove(target, userData uint64) {
	e.Opcode, e.Fd, e.Addr, e.UserData = OpPollRemove, -1, target, userData
}

// PrepAccept accepts connections on lfd; with multishot (5.19) one request
// keeps accepting until an error (EMFILE) ends it. Each completion's Res is
// a new descriptor, blocking and close-on-exec (io_uring waits for it; an
// O_NONBLOCK socket would make every request fail with EAGAIN instead).
func (e *SQE) PrepAccept(lfd int, multishot bool, flags uint32, userData uint64) {
	e.Opcode, e.Fd, e.OpFlags, e.UserData = OpAccept, int32(lfd), flags, userData
	if multishot {
		e.Ioprio = AcceptMultishot
	}
}

// PrepRecv receives into p.
func (e *SQE) PrepRecv(fd int, p []byte, userData uint64) {
	e.Opcode, e.Fd, e.UserData = OpRecv, int32(fd), userData
	e.Addr, e.Len = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(p)))), uint32(len(p))
}

// PrepRecvMultishot receives into buffers the kernel picks from the
// provided buffer ring group (6.0): one completion per receive, flagged
// CQEFMore while the request stays armed. A limit above 0 ends the request
// once it has received that many bytes (the last receive may take up to a
// buffer more): the cap on multishot receive of Linux 6.17, which older
// kernels refuse with EINVAL (RecvLimitWorks tells).
func (e *SQE) PrepRecvMultishot(fd int, group uint16, limit uint32, userData uint64) {
	e.Opcode, e.Fd, e.UserData = OpRecv, int32(fd), userData
	e.Ioprio, e.Flags, e.BufGroup = RecvMultishot, SQEBufferSelect, group
	e.FileIndex = int32(limit) // sqe->optlen
}

// PrepSend sends p. p must stay allocated and unchanged until the
// completion: the kernel reads it asynchronously.
func (e *SQE) PrepSend(fd int, p []byte, msgFlags uint32, userData uint64) {
	e.Opcode, e.Fd, e.OpFlags, e.UserData = OpSend, int32(fd), msgFlags, userData
	e.Addr, e.Len = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(p)))), uint32(len(p))
}

// PrepCancel cancels the request target (any opcode); it completes with
// -ECANCELED, this request with 0, -ENOENT or -EALREADY.
func (e *SQE) PrepCancel(target, userData uint64) {
	e.Opcode, e.Fd, e.Addr, e.UserData = OpAsyncCancel, -1, target, userData
}
