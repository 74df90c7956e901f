package probe

import "golang.org/x/sys/unix"

const fionread = unix.SIOCINQ
