// Command check builds and tests one server, for the student who wrote
// it; `echospec check` is the same command. See tools/internal/check.
//
//	go run ./tools/check [--watch] [--only ECHO-4] [--family reset] [--lang zh] [DIR]
//	go run ./tools/check list [--lang zh]
//	go run ./tools/check init [DIR]
package main

import (
	"os"

	"github.com/echospec/echospec/tools/internal/check"
)

func main() {
	os.Exit(check.Main("go run ./tools/check", os.Args[1:], os.Stdout, os.Stderr))
}
