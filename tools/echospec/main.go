// Command echospec is the kit's one command: a student's check, a
// teacher's grading and Gradescope bundle, in one binary that exits with
// its own status (0 passed, 1 a property failed, 2 the manifest or the
// server is broken).
//
//	go install ./tools/echospec        (or make install)
//	echospec check [--watch] [--only ECHO-4] [DIR]
//	echospec init [DIR]
//	echospec list
//	echospec grade [flags] DIR...
//	echospec gradescope --manifest teacher/echospec.toml
//	echospec merge --out all o1 o2
//	echospec github DIR                (action.yml's entry point)
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/tools/internal/bundle"
	"github.com/echospec/echospec/tools/internal/check"
	"github.com/echospec/echospec/tools/internal/grade"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "check":
		return check.Main("echospec", rest, stdout, stderr)
	case "init", "list":
		return check.Main("echospec", args, stdout, stderr)
	case "grade":
		return grade.Main(rest)
	case "merge", "github":
		return grade.Main(args)
	case "gradescope":
		return bundle.Main(rest)
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintln(stderr, check.Message(props.LocaleLang(), "echospec-unknown", sub))
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, check.Message(props.LocaleLang(), "echospec-usage"))
}
