// Command ports cross-compiles the kit for the platforms it is ported to,
// and runs the suite built for another CPU under qemu-user.
//
//	go run ./tools/ports build   # make ports: every platform × artifact → ok / failed / n/a
//	go run ./tools/ports run     # make ports-run: the linux/arm64 and linux/riscv64 suites under qemu
//	go run ./tools/ports vet     # make vet-ports: go vet as every other platform compiles the kit
//
// build compiles, for each platform of portinfo.Platforms, with
// CGO_ENABLED=0: the kit's packages (`go build ./...`, less those whose
// files are all excluded there), the suite (`go test -c ./spec`) and every
// reference server under impl/, into out/ports/GOOS_GOARCH/. It prints a
// table, writes out/ports/build.json, and exits 1 if anything failed.
//
// run needs the binaries of build and qemu-user (qemu-aarch64-static,
// qemu-riscv64-static). It installs nothing: `make ports-run` installs
// qemu-user-static and registers it with binfmt_misc, as root, if needed.
// For each CPU it writes manifests of the reference servers built for that
// CPU under out/ports/linux_ARCH/targets/, runs that CPU's suite under
// qemu against them, prints every spec's verdict, and writes
// out/ports/run.json. Specs that cannot hold under emulation
// (portinfo.Emulated) are left out by name, with the reason.
//
// vet runs `go vet` with GOOS and GOARCH set for each platform but this
// machine's (CGO_ENABLED=0), one after the other, on the packages where
// that platform compiles files this machine does not (-all: ./...), and
// exits 1 if any reported a problem; make lint runs it.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "build":
		err = build(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	case "vet":
		err = vet(os.Args[2:])
	case "-h", "--help", "help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "ports: unknown command %q\n", os.Args[1])
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ports:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  ports build [-out DIR] [-platforms linux/arm64,...] [-timeout D]
  ports run   [-out DIR] [-arch arm64,riscv64] [-patience F] [-timeout D] [-exclude IDS]
  ports vet   [-platforms linux/arm64,...] [-timeout D]
`)
	os.Exit(2)
}

// absOut makes the -out folder absolute, relative to the module root.
func absOut(root, out string) string {
	if filepath.IsAbs(out) {
		return out
	}
	return filepath.Join(root, out)
}
