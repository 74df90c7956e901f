package grade

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestMatches holds the rules tools/fixturecheck had, and those of
// may_fail and [expect.reasons]: the exact set of failed IDs, plus any of
// may_fail; each ID of fail failed for its phrase, and an ID of fail with
// no phrase is a mismatch; fail = ["*"] means every spec failed, with the
// reason in every failure's first line; a verdict where nothing ran never
// matches.
func TestMatches(t *testing.T) {
	v := func(failed, passed []string, why map[string]string) Verdict {
		return Verdict{Failed: failed, Passed: passed, Why: why}
	}
	r := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	whys := r("ECHO-4", "expected the same bytes back; received 65,536 bytes", "CONC-2", "client 3 got no echo", "LIFE-1", "got no EOF after shutdown", "RESET-2", "the server died")
	echo4 := Expectation{Fail: []string{"ECHO-4"}, Reasons: r("ECHO-4", "received")}
	for _, c := range []struct {
		name string
		e    Expectation
		v    Verdict
		want bool
	}{
		{"clean pass", Expectation{}, v(nil, []string{"ECHO-1"}, nil), true},
		{"exact failures, any order, each for its phrase", Expectation{Fail: []string{"ECHO-4", "CONC-2"}, Reasons: r("ECHO-4", "received", "CONC-2", "no echo")},
			v([]string{"CONC-2", "ECHO-4"}, []string{"ECHO-1"}, whys), true},
		{"a phrase is case-sensitive", Expectation{Fail: []string{"ECHO-4"}, Reasons: r("ECHO-4", "Received")}, v([]string{"ECHO-4"}, []string{"ECHO-1"}, whys), false},
		{"a phrase not in the why", Expectation{Fail: []string{"ECHO-4"}, Reasons: r("ECHO-4", "no EOF")}, v([]string{"ECHO-4"}, []string{"ECHO-1"}, whys), false},
		{"an ID of fail with no phrase", Expectation{Fail: []string{"ECHO-4", "CONC-2"}, Reasons: r("ECHO-4", "received")},
			v([]string{"CONC-2", "ECHO-4"}, []string{"ECHO-1"}, whys), false},
		{"one reason = for every ID", Expectation{Fail: []string{"ECHO-4", "CONC-2"}, Reason: "e"}, v([]string{"CONC-2", "ECHO-4"}, []string{"ECHO-1"}, whys), true},
		{"an extra failure", echo4, v([]string{"ECHO-4", "LIFE-1"}, []string{"ECHO-1"}, whys), false},
		{"a missing failure", Expectation{Fail: []string{"ECHO-4", "LIFE-1"}, Reasons: r("ECHO-4", "received", "LIFE-1", "no EOF")}, v([]string{"ECHO-4"}, []string{"ECHO-1"}, whys), false},
		{"may_fail failed", Expectation{Fail: []string{"ECHO-4"}, MayFail: []string{"RESET-2"}, Reasons: r("ECHO-4", "received")},
			v([]string{"ECHO-4", "RESET-2"}, []string{"ECHO-1"}, whys), true},
		{"may_fail passed", Expectation{Fail: []string{"ECHO-4"}, MayFail: []string{"RESET-2"}, Reasons: r("ECHO-4", "received")},
			v([]string{"ECHO-4"}, []string{"ECHO-1", "RESET-2"}, whys), true},
		{"may_fail does not excuse fail", Expectation{Fail: []string{"ECHO-4"}, MayFail: []string{"RESET-2"}, Reasons: r("ECHO-4", "received")},
			v([]string{"RESET-2"}, []string{"ECHO-1", "ECHO-4"}, whys), false},
		{"only may_fail, none failed", Expectation{MayFail: []string{"RESET-2"}}, v(nil, []string{"ECHO-1", "RESET-2"}, nil), true},
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

	// The why lines: a phrase not found, an ID of fail with none, and
	// may_fail in its column.
	bob.Expect = Expectation{Fail: []string{"ECHO-4"}, MayFail: []string{"RESET-2"}, Reasons: map[string]string{"ECHO-4": "received"}}
	carol := byName(subs, "carol")
	delete(carol.Expect.Reasons, "POOL-1")
	b.Reset()
	if bad := checkExpectations(&b, subs); bad != 2 {
		t.Errorf("checkExpectations = %d mismatches; want 2", bad)
	}
	for _, want := range []string{
		`bob: ECHO-4 failed, but not for its reason: wanted "received" in its first line, got: expected the same bytes back`,
		`carol: POOL-1 failed, but [expect.reasons] gives no phrase for it: add POOL-1 = "..." from its first line: client 5, beyond a pool of 4 busy workers, was answered`,
		"may fail", "RESET-2",
		"5 submissions: 3 as expected, 2 not",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("checkExpectations output lacks %q:\n%s", want, b.String())
		}
	}
}

func TestPrintReasons(t *testing.T) {
	subs := canned()[:5]
	bob := byName(subs, "bob")
	bob.Expect.Reasons["ECHO-4"] = "received"
	byName(subs, "carol").Expect = Expectation{Fail: []string{"POOL-1"}, MayFail: []string{"MODEL-4"}}
	out := t.TempDir()
	r, err := loadRubric("")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeAll(out, r, subs, ""); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := reasonsMain(&b, []string{out}); err != nil {
		t.Fatal(err)
	}
	got := regexp.MustCompile(`  +`).ReplaceAllString(b.String(), " | ") // the table's columns
	for _, want := range []string{
		`bob | ECHO-4 | fail | "received" NOT FOUND | expected the same bytes back`,
		`carol | POOL-1 | fail | - | client 5, beyond a pool of 4 busy workers, was answered`,
		`carol | MODEL-4 | may_fail | - | threads with 8 clients connected to a pool of 4`,
		`erin | * | fail | "did not listen" ok | never-listens: the server did not listen on port 45605 within 2s`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("reasons output lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "erin") != 1 || strings.Contains(got, "alice") || strings.Contains(got, "dave") {
		t.Errorf("reasons: want one line for erin (every spec, one why) and none for the clean passes:\n%s", got)
	}
	if err := reasonsMain(&b, nil); err == nil {
		t.Error("reasons with no folder: want an error")
	}
}

// TestCheckExpectationsNamesSkippedTargets: a fixture whose every spec
// the suite skipped (io_uring missing) is shown as skipped with the
// reason, and is not a mismatch; one that also ran something is checked.
func TestCheckExpectationsNamesSkippedTargets(t *testing.T) {
	subs := canned()[:5]
	bob := byName(subs, "bob")
	why := `the target declares mechanism = "io_uring", which this system cannot run: operation not permitted`
	bob.Verdict = Verdict{Skip: map[string]string{"ECHO-1": why, "ECHO-4": why}}
	var b bytes.Buffer
	if bad := checkExpectations(&b, subs); bad != 0 {
		t.Fatalf("checkExpectations = %d mismatches; want 0 (bob was skipped):\n%s", bad, b.String())
	}
	for _, want := range []string{"bob: skipped, not checked: " + why, "5 submissions: 4 as expected, 1 skipped"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("checkExpectations output lacks %q:\n%s", want, b.String())
		}
	}
	bob.Verdict.Passed = []string{"ECHO-2"}
	b.Reset()
	if bad := checkExpectations(&b, subs); bad != 1 {
		t.Errorf("a verdict with a skip and a pass is checked: %d mismatches; want 1:\n%s", bad, b.String())
	}
}

// A setup failure is not the property's failure: it never satisfies an ID
// of fail, even when its first line holds the phrase (a setup headline
// holds the inner headline a phrase matches); not_judged lists those the
// bug must leave unjudged, each for its phrase; may_fail takes either.
func TestMatchesNotJudged(t *testing.T) {
	setup := "setup failed, the property was not judged: connecting client B: client 2 could not connect: connection refused"
	nj := func(failed, notJudged []string) Verdict {
		why := map[string]string{}
		for _, id := range append(append([]string{}, failed...), notJudged...) {
			why[id] = setup
		}
		return Verdict{Failed: failed, NotJudged: notJudged, Passed: []string{"ECHO-1"}, Why: why}
	}
	refused := map[string]string{"SERIAL-2": "connection refused"}
	for _, c := range []struct {
		name string
		e    Expectation
		v    Verdict
		want string // a phrase of the one mismatch; "" for a match
	}{
		{"setup failure for an ID of fail", Expectation{Fail: []string{"SERIAL-2"}, Reasons: refused}, nj(nil, []string{"SERIAL-2"}),
			"expected to fail SERIAL-2, but it was not judged"},
		{"not_judged, for its phrase", Expectation{NotJudged: []string{"SERIAL-2"}, Reasons: refused}, nj(nil, []string{"SERIAL-2"}), ""},
		{"not_judged, with another phrase", Expectation{NotJudged: []string{"SERIAL-2"}, Reasons: map[string]string{"SERIAL-2": "no echo"}}, nj(nil, []string{"SERIAL-2"}),
			"SERIAL-2 was not judged, but not for its reason"},
		{"not_judged, but judged and failed", Expectation{NotJudged: []string{"SERIAL-2"}, Reasons: refused}, nj([]string{"SERIAL-2"}, nil),
			"was expected not to be judged (its setup failing), but it was judged and failed"},
		{"not_judged, but passed", Expectation{NotJudged: []string{"SERIAL-2"}, Reasons: refused}, Verdict{Passed: []string{"ECHO-1", "SERIAL-2"}},
			"expected SERIAL-2 not to be judged (its setup failing), but it was: passed"},
		{"unexpectedly not judged", Expectation{}, nj(nil, []string{"IDLE-1"}), "IDLE-1 was unexpectedly not judged"},
		{"may_fail not judged", Expectation{MayFail: []string{"IDLE-1"}}, nj(nil, []string{"IDLE-1"}), ""},
		{"every spec not judged for the reason", Expectation{Fail: []string{"*"}, Reason: "connection refused"}, Verdict{NotJudged: []string{"ECHO-1", "ECHO-2"},
			Why: map[string]string{"ECHO-1": setup, "ECHO-2": setup}}, ""},
	} {
		m := mismatches(&Submission{Name: "x", Expect: c.e, Verdict: c.v})
		switch {
		case c.want == "" && len(m) > 0:
			t.Errorf("%s: mismatches %q; want none", c.name, m)
		case c.want != "" && (len(m) != 1 || !strings.Contains(m[0], c.want)):
			t.Errorf("%s: mismatches %q; want one containing %q", c.name, m, c.want)
		}
	}
}
