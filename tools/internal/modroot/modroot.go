// Package modroot finds the echospec module's folder, from the working
// folder up, for the tools that build the suite or the servers from it.
package modroot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// ErrOutside is returned when no folder from the working one up holds the
// echospec module's go.mod.
var ErrOutside = errors.New("not inside the echospec module: run it from the echospec folder")

// Find returns the folder of the echospec module's go.mod, looking in the
// working folder and each of its parents.
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(data), "module github.com/echospec/echospec\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrOutside
		}
		dir = parent
	}
}
