package uring

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Disable is the environment variable that makes Unavailable report
// io_uring missing (ECHOSPEC_IO_URING=off), to check the skips of every
// part of the kit on a machine that has it.
const Disable = "ECHOSPEC_IO_URING"

var (
	availOnce sync.Once
	availErr  error
)

// Unavailable returns nil if this process can use io_uring as this kit
// does (io_uring_setup succeeds and the kernel has IORING_FEAT_EXT_ARG,
// 5.11, for timed waits), or an error saying why not: ENOSYS (a kernel
// before 5.1 or without CONFIG_IO_URING, or a seccomp filter answering
// ENOSYS), EPERM (kernel.io_uring_disabled, or a seccomp filter such as
// Docker's default profile), or a kernel too old. errors.Is finds the
// errno. The answer is worked out once per process.
func Unavailable() error {
	availOnce.Do(func() { availErr = probeAvailable() })
	return availErr
}

func probeAvailable() error {
	if v := os.Getenv(Disable); v == "off" || v == "0" {
		return fmt.Errorf("io_uring: unavailable: %s=%s in the environment", Disable, v)
	}
	var p Params
	fd, err := setup(1, &p)
	if err != nil {
		return fmt.Errorf("io_uring: unavailable: io_uring_setup: %w (%s)", err, why(err))
	}
	unix.Close(fd)
	if p.Features&FeatExtArg == 0 {
		return fmt.Errorf("io_uring: unavailable: the kernel lacks IORING_FEAT_EXT_ARG (timed waits, Linux 5.11); features %#x", p.Features)
	}
	return nil
}

// why explains an errno from io_uring_setup.
func why(err error) string {
	switch {
	case errors.Is(err, unix.ENOSYS):
		return "no io_uring in this kernel: before Linux 5.1, built without CONFIG_IO_URING, or a seccomp filter answering ENOSYS"
	case errors.Is(err, unix.EPERM):
		b, rerr := os.ReadFile("/proc/sys/kernel/io_uring_disabled")
		switch v := strings.TrimSpace(string(b)); {
		case rerr == nil && v == "2":
			return "disabled for every process by kernel.io_uring_disabled = 2"
		case rerr == nil && v == "1":
			return "kernel.io_uring_disabled = 1 allows only CAP_SYS_ADMIN and the group kernel.io_uring_group"
		}
		return "refused by a seccomp filter (Docker's and Podman's default profiles block io_uring) or a security module"
	case errors.Is(err, unix.ENOMEM):
		return "no locked memory for the rings: RLIMIT_MEMLOCK too low (kernels before 5.12)"
	}
	return "the kernel refused a one-entry ring"
}
