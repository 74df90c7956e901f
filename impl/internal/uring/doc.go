// Package uring is a minimal io_uring ring for this kit's selector backend
// and reference server: io_uring_setup and io_uring_enter made directly
// with golang.org/x/sys/unix, the three regions mapped by hand, no cgo and
// no liburing. It covers what those two need (poll, accept, recv, send,
// cancel, provided buffer rings), not io_uring as a whole.
//
// A Ring is not safe for concurrent use: one goroutine prepares entries,
// submits them and reaps completions.
//
// The package is Linux-only; elsewhere it is empty, and nothing outside
// Linux-only files imports it.
package uring
