package props_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/target"
)

// A spec that no fixture fails is not known to work: every property the
// suite checks on servers must be the named bug of at least one fixture in
// the bank (a fixture that fails everything, fail = ["*"], names none).
// The selector properties (SEL) have their own broken backends, checked
// in selectorspec.
func TestEveryPropertyHasAFixtureThatFailsIt(t *testing.T) {
	var bank []*target.Target
	for _, dir := range []string{"students", "hostile"} {
		ts, err := target.Discover(filepath.Join("..", "fixtures", dir))
		if err != nil {
			t.Fatal(err)
		}
		bank = append(bank, ts...)
	}
	caught := map[string][]string{}
	for _, tg := range bank {
		if tg.Expect.FailsAll() {
			continue
		}
		for _, id := range tg.Expect.Fail {
			caught[id] = append(caught[id], tg.Name)
		}
	}
	var missing []string
	for _, p := range props.All() {
		if p.Family == "sel" {
			continue
		}
		if len(caught[p.ID]) == 0 {
			missing = append(missing, p.ID)
		}
	}
	for id := range caught {
		if _, ok := props.Lookup(id); !ok {
			t.Errorf("fixtures %v expect to fail %s, which is not a property", caught[id], id)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("no fixture in fixtures/students or fixtures/hostile fails %s: add a server with that bug (expect.fail naming it)", strings.Join(missing, ", "))
	}
}
