package probe

import (
	"strings"
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
