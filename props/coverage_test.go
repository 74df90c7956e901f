package props_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// A spec that no fixture fails is not known to work: every property the
// suite checks on servers must be the named bug of at least one fixture in
// the bank, failed for a stated reason: in the fixture's expect.fail, with
// a phrase in [expect.reasons] (or reason = for all) that --expect checks
// in the failure's first line. A fixture that fails everything
// (fail = ["*"]) names none, and expect.may_fail and expect.not_judged
// (a setup failure is not the property's) count for nothing.
// The selector properties (SEL) are selectorspec's, not the catalogue's:
// their broken backends are fixtures/selectors, checked in selectorspec.
func TestEveryPropertyHasAFixtureThatFailsIt(t *testing.T) {
	var bank []*manifest.Target
	for _, dir := range []string{"students", "hostile"} {
		ts, err := manifest.Discover(filepath.Join("..", "fixtures", dir))
		if err != nil {
			t.Fatal(err)
		}
		bank = append(bank, ts...)
	}
	caught := map[string][]string{}   // ID → fixtures failing it for a reason
	unstated := map[string][]string{} // ID → fixtures failing it, with no phrase
	named := map[string][]string{}    // every ID a fixture names
	for _, tg := range bank {
		if tg.Expect.FailsAll() {
			continue
		}
		for _, id := range tg.Expect.Fail {
			named[id] = append(named[id], tg.Name)
			if tg.Expect.Phrase(id) != "" {
				caught[id] = append(caught[id], tg.Name)
			} else {
				unstated[id] = append(unstated[id], tg.Name)
			}
		}
		for _, id := range append(slices.Clone(tg.Expect.MayFail), tg.Expect.NotJudged...) {
			named[id] = append(named[id], tg.Name)
		}
		// An ID that never runs on the fixture's model is a dead entry: it
		// expects nothing, and hides nothing but a reader's time.
		for _, id := range append(append(slices.Clone(tg.Expect.Fail), tg.Expect.NotJudged...), tg.Expect.MayFail...) {
			if p, ok := props.Lookup(id); ok && !p.Applies(tg.Model, tg.Pool, tg.Mechanism) {
				t.Errorf("%s: [expect] names %s, which does not apply to %s: remove it", tg.File, id, manifest.DescribeModel(tg.Model, tg.Pool, tg.Mechanism))
			}
		}
	}
	var missing []string
	for _, p := range props.All() {
		if len(caught[p.ID]) == 0 {
			missing = append(missing, p.ID)
		}
	}
	for id := range named {
		if _, ok := props.Lookup(id); !ok {
			t.Errorf("fixtures %v expect to fail %s, which is not a property", named[id], id)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		var lines []string
		for _, id := range missing {
			if fs := unstated[id]; len(fs) > 0 {
				lines = append(lines, fmt.Sprintf("%s (failed by %s, with no phrase: add %s = \"...\" under [expect.reasons]; go run ./tools/grade reasons out/grade shows each failure's first line)", id, strings.Join(fs, ", "), id))
			} else {
				lines = append(lines, id+" (add a server with that bug, expect.fail naming it with a phrase)")
			}
		}
		t.Errorf("no fixture in fixtures/students or fixtures/hostile fails these for a stated reason:\n  %s", strings.Join(lines, "\n  "))
	}
}
