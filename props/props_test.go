package props_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/selectorspec"
)

// An ID names one behaviour in reports, grades and labels, so no two
// properties share one: neither two of the catalogue nor a catalogue ID
// and one of selectorspec's. Each is its family's name in capitals, a dash
// and a number, and its family and models are ones the kit knows.
func TestIDsAreUniqueAndWellFormed(t *testing.T) {
	seen := map[string]string{} // ID → where it is declared
	add := func(id, where string) {
		if prev, ok := seen[id]; ok {
			t.Errorf("%s is declared twice: in %s and in %s", id, prev, where)
		}
		seen[id] = where
	}
	families := map[string]bool{}
	for _, f := range props.Families {
		families[f.Name] = true
	}
	for i, p := range props.All() {
		add(p.ID, fmt.Sprintf("props.All()[%d]", i))
		if !families[p.Family] {
			t.Errorf("%s: family %q is not in props.Families", p.ID, p.Family)
		}
		prefix, n, ok := strings.Cut(p.ID, "-")
		if !ok || prefix != strings.ToUpper(p.Family) || n == "" || strings.Trim(n, "0123456789") != "" || n[0] == '0' {
			t.Errorf("%s: want %s-N, the family in capitals and a number from 1", p.ID, strings.ToUpper(p.Family))
		}
		if len(p.Models) == 0 {
			t.Errorf("%s applies to no model", p.ID)
		}
		for _, m := range p.Models {
			if !slices.Contains(props.Models, m) {
				t.Errorf("%s applies to %q, which is not one of props.Models %v", p.ID, m, props.Models)
			}
		}
	}
	for i, p := range selectorspec.Properties() {
		add(p.ID, fmt.Sprintf("selectorspec.Properties()[%d]", i))
	}
}
