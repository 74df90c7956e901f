//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package probe

// fionread is FIONREAD, _IOR('f', 127, int) in <sys/filio.h>; x/sys/unix
// does not export it for the BSDs.
const fionread = 0x4004667f
