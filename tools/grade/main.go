// Command grade grades a class; `echospec grade` is the same command. See
// tools/internal/grade.
//
//	go run ./tools/grade [flags] DIR...
//	go run ./tools/grade merge --out all o1 o2
package main

import (
	"os"

	"github.com/echospec/echospec/tools/internal/grade"
)

func main() { os.Exit(grade.Main(os.Args[1:])) }
