package probe

import "golang.org/x/sys/unix"

const fionread = unix.SIOCINQ

// outq is SIOCOUTQ: the bytes in the send queue not yet acknowledged.
const outq = unix.SIOCOUTQ
