package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestMatches holds the rules tools/fixturecheck had: the exact set of
// failed IDs; fail = ["*"] means every spec failed, with the reason in
// every failure's first line; a verdict where nothing ran never matches.
func TestMatches(t *testing.T) {
	v := func(failed, passed []string, why map[string]string) Verdict {
		return Verdict{Failed: failed, Passed: passed, Why: why}
	}
	for _, c := range []struct {
		name string
		e    Expectation
		v    Verdict
		want bool
	}{
		{"clean pass", Expectation{}, v(nil, []string{"ECHO-1"}, nil), true},
		{"exact failures, any order", Expectation{Fail: []string{"ECHO-4", "CONC-2"}}, v([]string{"CONC-2", "ECHO-4"}, []string{"ECHO-1"}, nil), true},
		{"an extra failure", Expectation{Fail: []string{"ECHO-4"}}, v([]string{"ECHO-4", "LIFE-1"}, []string{"ECHO-1"}, nil), false},
		{"a missing failure", Expectation{Fail: []string{"ECHO-4", "LIFE-1"}}, v([]string{"ECHO-4"}, []string{"ECHO-1"}, nil), false},
		{"expected to pass, failed", Expectation{}, v([]string{"IDLE-1"}, []string{"ECHO-1"}, nil), false},
		{"all failed for the reason", Expectation{Fail: []string{"*"}, Reason: "did not listen"},
			v([]string{"ECHO-1", "ECHO-2"}, nil, map[string]string{"ECHO-1": "x: did not listen on", "ECHO-2": "x: did not listen on"}), true},
		{"all failed, one for another reason", Expectation{Fail: []string{"*"}, Reason: "did not listen"},
			v([]string{"ECHO-1", "ECHO-2"}, nil, map[string]string{"ECHO-1": "x: did not listen on", "ECHO-2": "expected the same bytes"}), false},
		{"all expected to fail, one passed", Expectation{Fail: []string{"*"}}, v([]string{"ECHO-1"}, []string{"ECHO-2"}, nil), false},
		{"nothing ran", Expectation{}, v(nil, nil, nil), false},
	} {
		if got := matches(c.e, c.v); got != c.want {
			t.Errorf("%s: matches(%+v, failed %v passed %v) = %v; want %v", c.name, c.e, c.v.Failed, c.v.Passed, got, c.want)
		}
	}
}

func TestCheckExpectationsReportsEachMismatch(t *testing.T) {
	subs := canned()[:5] // frank's manifest does not load, so nothing ran
	var b bytes.Buffer
	if bad := checkExpectations(&b, subs); bad != 0 {
		t.Fatalf("the canned class matches its expectations, but %d did not:\n%s", bad, b.String())
	}
	bob := byName(subs, "bob")
	bob.Expect.Fail = []string{"ECHO-3"}
	b.Reset()
	if bad := checkExpectations(&b, subs); bad != 1 {
		t.Errorf("checkExpectations = %d mismatches; want 1", bad)
	}
	for _, want := range []string{"bob: unexpectedly failed ECHO-4: expected the same bytes back", "bob: expected to fail ECHO-3, but it did not", "MISMATCH", "5 submissions: 4 as expected, 1 not"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("checkExpectations output lacks %q:\n%s", want, b.String())
		}
	}
}
