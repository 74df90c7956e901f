package props

import (
	"slices"
	"testing"
)

func TestInOrder(t *testing.T) {
	got := InOrder([]string{"ZZZ-1", "LIFE-1", "AAA-1", "ECHO-5", "ECHO-2"})
	if want := []string{"ECHO-2", "ECHO-5", "LIFE-1", "AAA-1", "ZZZ-1"}; !slices.Equal(got, want) {
		t.Errorf("InOrder = %q; want %q", got, want)
	}
}
