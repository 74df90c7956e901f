//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package probe

// fionread is FIONREAD, _IOR('f', 127, int) in <sys/filio.h>; x/sys/unix
// does not export it for the BSDs.
const fionread = 0x4004667f

// outq is 0 here: the BSDs name a send queue's size differently
// (FIONWRITE, SO_NWRITE) and the kit does not read it yet.
const outq = 0
