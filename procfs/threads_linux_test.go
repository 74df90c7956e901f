package procfs

import (
	"os"
	"testing"
)

func TestParseSyscall(t *testing.T) {
	for in, want := range map[string]int{
		"281 0x6 0x372d18e3afa4 0x100 0xffffffffffffffff 0x0 0x0 0x7ffc 0x40950e\n": 281,
		"-1 0x7ffc 0x40950e\n": NotInSyscall,
		"running\n":            Running,
	} {
		if got, err := parseSyscall(in); err != nil || got != want {
			t.Errorf("parseSyscall(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestOwnProcess(t *testing.T) {
	ps, err := Group(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	_ = ps // the test binary may not lead its own group; reading must just work
	ts, err := Threads(os.Getpid())
	if err != nil || len(ts) == 0 {
		t.Fatalf("Threads(self) = %v, %v", ts, err)
	}
}
