package uring

// The kernel's io_uring ABI (include/uapi/linux/io_uring.h), as far as
// this kit uses it. golang.org/x/sys/unix has the system call numbers but
// none of the structures, so they are spelled out here; their sizes are
// checked in uring_linux_test.go.

// Params is struct io_uring_params: io_uring_setup reads the requested
// sizes and flags from it and writes back the features and ring offsets.
type Params struct {
	SQEntries    uint32
	CQEntries    uint32
	Flags        uint32
	SQThreadCPU  uint32
	SQThreadIdle uint32
	Features     uint32
	WQFd         uint32
	resv         [3]uint32
	SQOff        sqringOffsets
	CQOff        cqringOffsets
}

type sqringOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type cqringOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// SQE is struct io_uring_sqe, 64 bytes. The unions are named by the use
// this kit makes of them.
type SQE struct {
	Opcode      uint8
	Flags       uint8
	Ioprio      uint16 // also the accept and recv flags (multishot)
	Fd          int32
	Off         uint64 // also addr2
	Addr        uint64
	Len         uint32 // also the poll_add flags
	OpFlags     uint32 // poll32_events, msg_flags, accept_flags, cancel_flags
	UserData    uint64
	BufGroup    uint16 // also buf_index
	Personality uint16
	FileIndex   int32
	Addr3       uint64
	pad         uint64
}

// CQE is struct io_uring_cqe without CQE32's extra 16 bytes.
type CQE struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

// Opcodes (enum io_uring_op).
const (
	OpNop         = 0
	OpPollAdd     = 6
	OpPollRemove  = 7
	OpAccept      = 13
	OpAsyncCancel = 14
	OpSend        = 26
	OpRecv        = 27
	OpSendZC      = 47 // added in 6.0, with multishot receive
)

// Setup flags.
const (
	SetupCQSize       = 1 << 3
	SetupClamp        = 1 << 4
	SetupSubmitAll    = 1 << 7
	SetupCoopTaskrun  = 1 << 8
	SetupSingleIssuer = 1 << 12
	SetupDeferTaskrun = 1 << 13
)

// Features reported by io_uring_setup.
const (
	FeatSingleMmap = 1 << 0
	FeatNoDrop     = 1 << 1
	FeatFastPoll   = 1 << 5
	FeatExtArg     = 1 << 8
)

// io_uring_enter flags.
const (
	enterGetEvents = 1 << 0
	enterExtArg    = 1 << 3
)

// SQ ring flags, read by the application.
const sqCQOverflow = 1 << 1

// SQE flags.
const (
	SQEBufferSelect = 1 << 5
	SQECQESkip      = 1 << 6
)

// CQE flags.
const (
	CQEFBuffer  = 1 << 0 // Flags>>CQEBufferShift is the provided buffer's id
	CQEFMore    = 1 << 1 // a multishot request stays armed
	CQEFBufMore = 1 << 4 // an incremental buffer has room left: the kernel fills it on
	CQEBufShift = 16
)

// Request flags.
const (
	PollAddMulti     = 1 << 0 // sqe.Len of OpPollAdd
	PollUpdateEvents = 1 << 1 // sqe.Len of OpPollRemove
	AcceptMultishot  = 1 << 0 // sqe.Ioprio of OpAccept
	RecvMultishot    = 1 << 1 // sqe.Ioprio of OpRecv
	CancelAll        = 1 << 0 // sqe.OpFlags of OpAsyncCancel
)

// mmap offsets of the three regions.
const (
	offSQRing = 0
	offCQRing = 0x8000000
	offSQEs   = 0x10000000
)

// io_uring_register opcodes.
const (
	registerProbe        = 8
	registerPbufRing     = 22
	unregisterPbufRing   = 23
	pbufRingInc          = 2 // IOU_PBUF_RING_INC (6.12): buffers consumed a part at a time
	probeOpSupported     = 1
	probeOps             = 256
	getEventsArgSize     = 24 // sizeof(struct io_uring_getevents_arg)
	bufRingEntrySize     = 16 // sizeof(struct io_uring_buf)
	bufRingTailOffset    = 14 // the tail overlays buf[0].resv
	maxBufRingEntries    = 1 << 15
	defaultTaskrunFlags  = SetupCoopTaskrun
	deferredTaskrunFlags = SetupSingleIssuer | SetupDeferTaskrun
)

// getEventsArg is struct io_uring_getevents_arg, for a timeout on the wait.
type getEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// bufReg is struct io_uring_buf_reg, to register a provided buffer ring.
type bufReg struct {
	ringAddr    uint64
	ringEntries uint32
	bgid        uint16
	flags       uint16
	resv        [3]uint64
}

// probe is struct io_uring_probe with room for every opcode.
type probe struct {
	lastOp uint8
	opsLen uint8
	resv   uint16
	resv2  [3]uint32
	ops    [probeOps]probeOp
}

type probeOp struct {
	op    uint8
	resv  uint8
	flags uint16
	resv2 uint32
}
