package modroot

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFind(t *testing.T) {
	root, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "spec", "suite_test.go")); err != nil {
		t.Errorf("Find() = %s, which has no spec/suite_test.go", root)
	}
	t.Chdir(t.TempDir())
	if _, err := Find(); err != ErrOutside {
		t.Errorf("outside the module: err %v; want ErrOutside", err)
	}
}
