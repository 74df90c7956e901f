package suite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Key identifies the suite root's sources would compile to with b: a
// SHA-256 of the go command's version and target (go env), b, and every
// source file walkSources lists, by name and content. A change to any of
// them is a new key, so a cached suite is never one of an older kit.
func Key(ctx context.Context, root string, b Build) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOVERSION", "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT", "GOAMD64", "GOARM64")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), b.Env...)
	env, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env in %s: %v (is Go installed and on PATH?)", root, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "go env:\n%s\nenv: %q\nflags: %q\n", env, b.Env, b.Flags)
	err = walkSources(root, func(rel string) error {
		f, err := os.Open(filepath.Join(root, rel))
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "\x00%s\x00", filepath.ToSlash(rel))
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("suite: reading the kit's sources in %s: %w", root, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keyInput lists the files Key reads, for the test that checks a change
// to each kind is a new key.
func keyInput(root string) ([]string, error) {
	var files []string
	err := walkSources(root, func(rel string) error {
		files = append(files, strings.ReplaceAll(rel, string(filepath.Separator), "/"))
		return nil
	})
	return files, err
}
