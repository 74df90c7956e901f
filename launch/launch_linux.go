package launch

import (
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/netns"
	"github.com/echospec/echospec/procfs"
)

// Platform is what the kit does on Linux to start a server and see it
// listen (see Facts).
var Platform = Facts{
	Prepare: "prepare makes the kit a child subreaper, so a server's " +
		"orphaned processes are re-parented to the kit (and reaped by " +
		"it) instead of init.",
	SelfExe: "selfExe is the kit's own executable, run as the pre-exec shim. " +
		"Through /proc it is the running binary even if its file has " +
		"since been replaced or removed (ginkgo rebuilds spec.test in " +
		"place between runs).",
	Listening: "listening reports whether a socket in pid's network namespace " +
		"listens on port. It reads /proc instead of connecting, so the " +
		"check itself does not hand the server a connection.",
}

var subreaper sync.Once

// prepare does what Platform.Prepare says.
func prepare() {
	subreaper.Do(func() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) })
}

// selfExe does what Platform.SelfExe says.
func selfExe() (string, error) { return "/proc/self/exe", nil }

// DieWithParent has cmd sent sig when the process that started it dies
// (a parent-death signal); call it after OwnGroup.
func DieWithParent(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = sig
}

// SweepOrphans SIGKILLs the process group of every child of this process
// whose pid keep does not hold (or the child alone, if it shares this
// process's group), and reaps each once it is gone. As a subreaper
// (BecomeSubreaper), its children include the orphans of what it started.
func SweepOrphans(keep map[int]bool) {
	own := syscall.Getpgrp()
	children, _ := procfs.Children(os.Getpid())
	for _, c := range children {
		pid, pgid := c.PID, c.PGID
		if keep[pid] {
			continue
		}
		if pgid > 1 && pgid != own {
			_ = unix.Kill(-pgid, unix.SIGKILL)
		} else {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
		// Reaped when it is gone; a process stuck in the kernel must not
		// hold up the caller.
		go func() {
			var ws unix.WaitStatus
			for {
				if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
					return
				}
			}
		}()
	}
}

// listening does what Platform.Listening says.
// listening asks the kernel about the server's own network, ns.
func listening(ns *netns.NS, _ string, port int) bool {
	ok := false
	_ = ns.Do(func() error { ok = procfs.Listens(port); return nil })
	return ok
}

// listensElsewhere lists where the processes of group pgid listen in ns
// on a port other than port: the sockets listening there whose inode one
// of them holds.
func listensElsewhere(ns *netns.NS, pgid, port int) []netip.AddrPort {
	var socks []procfs.Socket
	_ = ns.Do(func() (err error) { socks, err = procfs.Listeners(); return err })
	socks = slices.DeleteFunc(socks, func(s procfs.Socket) bool { return s.LocalPort == port })
	if len(socks) == 0 {
		return nil
	}
	procs, _ := procfs.Group(pgid)
	held := map[uint64]bool{}
	for _, p := range procs {
		inodes, _ := procfs.SocketInodes(p.PID)
		maps.Copy(held, inodes)
	}
	var out []netip.AddrPort
	for _, s := range socks {
		if held[s.Inode] {
			out = append(out, netip.AddrPortFrom(s.LocalAddr.Unmap(), uint16(s.LocalPort)))
		}
	}
	slices.SortFunc(out, netip.AddrPort.Compare)
	return slices.Compact(out)
}
