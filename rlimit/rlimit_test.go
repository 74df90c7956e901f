package rlimit

import (
	"strings"
	"testing"
	"time"
)

func TestLower(t *testing.T) {
	got, err := Set{OpenFiles: 256, CPUTime: time.Minute}.Lower(Defaults)
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults
	want.OpenFiles, want.CPUTime = 256, time.Minute
	if got != want {
		t.Fatalf("Lower = %+v; want %+v", got, want)
	}
	_, err = Set{AddressSpace: 64 << 30}.Lower(Defaults)
	if err == nil || !strings.Contains(err.Error(), "address_space = 64GiB is above the kit's limit of 32GiB") {
		t.Fatalf("raising address_space: err = %v", err)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]uint64{"4GiB": 4 << 30, "512 MiB": 512 << 20, "1000": 1000, "2KB": 2000, "7B": 7} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1GiB", "lots", "4TiB"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) succeeded; want an error", bad)
		}
	}
}

func TestEncodeDecode(t *testing.T) {
	s := Set{Processes: 3, OpenFiles: 4, AddressSpace: 5, CPUTime: 1500 * time.Millisecond, FileSize: 6, Memory: 7, Disk: 8}
	got, err := Decode(s.Encode())
	if err != nil {
		t.Fatal(err)
	}
	s.CPUTime = 2 * time.Second // whole seconds, rounded up
	if got != s {
		t.Fatalf("Decode(Encode(s)) = %+v; want %+v", got, s)
	}
	if _, err := Decode("processes=x"); err == nil {
		t.Fatal("Decode accepted a bad value")
	}
}
