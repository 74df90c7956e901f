// Command gradescope builds a Gradescope autograder for one assignment;
// `echospec gradescope` is the same command. See tools/internal/bundle.
//
//	go run ./tools/gradescope --manifest teacher/echospec.toml --out out/gradescope
package main

import (
	"os"

	"github.com/echospec/echospec/tools/internal/bundle"
)

func main() { os.Exit(bundle.Main(os.Args[1:])) }
