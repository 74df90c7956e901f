//go:build unix

package selectorspec

// checks maps each property ID to its check; one file per group:
// sel_write.go (SEL-1, SEL-2), sel_read.go (SEL-3 to SEL-5),
// sel_api.go (SEL-6, SEL-7), sel_timeout.go (SEL-8), sel_close.go (SEL-9),
// sel_limits.go (SEL-10, SEL-11), sel_platform.go (SEL-12).
var checks = map[string]checkFunc{
	"SEL-1":  checkWritableEverySelect,
	"SEL-2":  checkWritableFollowsSendBuffer,
	"SEL-3":  checkReadablePersists,
	"SEL-4":  checkPeerCloseReadable,
	"SEL-5":  checkListenerReadable,
	"SEL-6":  checkDataRoundTrip,
	"SEL-7":  checkUnregisterAndMisuse,
	"SEL-8":  checkTimeouts,
	"SEL-9":  checkClose,
	"SEL-10": checkFDLimit,
	"SEL-11": checkManySockets,
	"SEL-12": checkPlatformDifferences,
}
