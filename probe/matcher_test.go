package probe

import (
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestDescribeShowsFirstDifference(t *testing.T) {
	ex := Exchange{Sent: []byte("hello, world"), Got: []byte("hello, World"), How: "in one write", Elapsed: time.Millisecond}
	ok, _ := BeWholeEcho().Match(ex)
	if ok {
		t.Fatal("BeWholeEcho matched different bytes")
	}
	msg := BeWholeEcho().FailureMessage(ex)
	for _, want := range []string{"sent:     12 bytes in one write", "first difference at offset 7", ">77<", ">57<"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestDescribeStall(t *testing.T) {
	ex := Exchange{Sent: make([]byte, 8<<20), Got: make([]byte, 65536), Stalled: 2 * time.Second}
	msg := BeWholeEcho().FailureMessage(ex)
	for _, want := range []string{"8,388,608 bytes (8 MiB)", "65,536 bytes (64 KiB), then nothing for 2s"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if ok, _ := BeEchoThenEOF().Match(Exchange{Sent: []byte("a"), Got: []byte("a")}); ok {
		t.Error("BeEchoThenEOF matched without EOF")
	}
	if ok, _ := BeEchoThenEOF().Match(Exchange{Sent: []byte("a"), Got: []byte("a"), EOF: true}); !ok {
		t.Error("BeEchoThenEOF did not match echo + EOF")
	}
}

// A server that closes with the client's bytes unread sends a reset, not
// a FIN; both are the server closing, and the first line says so.
func TestHeadlineNamesAResetAsAClose(t *testing.T) {
	rst := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	reset := Exchange{Sent: []byte("hello world"), ReadErr: rst}
	fin := Exchange{Sent: []byte("hello world"), EOF: true}
	for _, ex := range []Exchange{reset, fin} {
		if h := ex.Headline(); !strings.HasPrefix(h, "received 0 of 11 bytes, then the server closed the connection") {
			t.Errorf("Headline = %q", h)
		}
	}
	if h := reset.Headline(); !strings.Contains(h, "with a reset") || !strings.Contains(reset.Describe(), "closed the connection with a reset") {
		t.Errorf("a reset is not named: %q\n%s", h, reset.Describe())
	}
	other := Exchange{Sent: []byte("x"), ReadErr: os.ErrDeadlineExceeded}
	if h := other.Headline(); !strings.Contains(h, "then the read failed") {
		t.Errorf("Headline of another read error = %q", h)
	}
}
