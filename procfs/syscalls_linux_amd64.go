package procfs

import "golang.org/x/sys/unix"

var waits = map[string][]Syscall{
	"select": {{"select", unix.SYS_SELECT}, {"pselect6", unix.SYS_PSELECT6}},
	"poll":   {{"poll", unix.SYS_POLL}, {"ppoll", unix.SYS_PPOLL}},
	"epoll":  {{"epoll_wait", unix.SYS_EPOLL_WAIT}, {"epoll_pwait", unix.SYS_EPOLL_PWAIT}, {"epoll_pwait2", unix.SYS_EPOLL_PWAIT2}},
	// An io_uring loop waits in io_uring_enter (IORING_ENTER_GETEVENTS).
	"io_uring": {{"io_uring_enter", unix.SYS_IO_URING_ENTER}},
}

var reads = []Syscall{{"read", unix.SYS_READ}, {"recvfrom", unix.SYS_RECVFROM}, {"recvmsg", unix.SYS_RECVMSG}, {"readv", unix.SYS_READV}}

var others = []Syscall{{"accept", unix.SYS_ACCEPT}, {"accept4", unix.SYS_ACCEPT4}, {"futex", unix.SYS_FUTEX}, {"wait4", unix.SYS_WAIT4}, {"waitid", unix.SYS_WAITID}, {"write", unix.SYS_WRITE}, {"sendto", unix.SYS_SENDTO}}
