//go:build !linux || !(amd64 || arm64 || riscv64 || loong64)

package procfs

// Without Linux's /proc (or on an architecture whose table is not listed
// here) no system call can be observed, so the tables are empty.
var (
	waits  = map[string][]Syscall{}
	reads  []Syscall
	others []Syscall
)
