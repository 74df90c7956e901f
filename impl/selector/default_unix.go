//go:build unix && !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package selector

// platform lists the backends of other Unix systems (AIX, illumos,
// Solaris), preferred first. Their native mechanisms (pollset, /dev/poll,
// event ports) are not implemented.
var platform = []opener{{"poll", NewPoll}, {"select", NewSelect}}
