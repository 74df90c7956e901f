package grade

import (
	"github.com/echospec/echospec/props"
)

// canned is a small class with one of each kind of submission, with
// verdicts shaped as the suite writes them: correct, broken in two ways,
// pooled, one with a spec skipped for a reason, one that never listened,
// and one whose manifest does not load.
// applicable lists the IDs the suite checks for a model, pool and
// mechanism: the tests count from it rather than from figures that every
// new property would break.
func applicable(model string, pool int, mechanism string) []string {
	var out []string
	for _, p := range props.All() {
		if p.Applies(model, pool, mechanism) {
			out = append(out, p.ID)
		}
	}
	return out
}

func canned() []*Submission {
	ids := func(model string, pool int) []string { return applicable(model, pool, "") }
	without := func(all []string, drop ...string) []string {
		var out []string
	next:
		for _, id := range all {
			for _, d := range drop {
				if id == d {
					continue next
				}
			}
			out = append(out, id)
		}
		return out
	}
	mt := ids("multithread", 0)
	single := ids("single", 0)

	sendDetail := "expected the same bytes back\n" +
		"  sent:     8,388,608 bytes (8 MiB) (random) in 64 KiB writes, reading whenever the writes stall\n" +
		"  received: 65,536 bytes, then nothing for 4s (connection still open) after 4.1s\n" +
		"  hint: " + props.Get("ECHO-4").Hint + "\n" +
		"  server py-send <ignored> (pid 4121, port 40213): running\n" +
		"  stderr (last lines):\n" +
		"    | Traceback: BlockingIOError & <script>alert(1)</script>\n"
	neverDetail := "never-listens: the server did not listen on port 45605 within 2s (it is running (last printed: \"ready!\")); check that it binds the port given as {port} or $PORT (or the manifest's port = N) and calls listen(); its stdout ends with:\n    | ready!"
	neverWhy := map[string]string{}
	neverDetails := map[string]string{}
	for _, id := range single {
		neverWhy[id] = neverDetail[:len("never-listens: the server did not listen on port 45605 within 2s")]
		neverDetails[id] = neverDetail
	}

	return []*Submission{
		{Name: "alice", Dir: "class/alice", Model: "multithread", Expect: Expectation{Fail: []string{}},
			Verdict: Verdict{Target: "alice", Model: "multithread", Failed: []string{}, Passed: mt}},
		{Name: "bob", Dir: "class/bob", Model: "multiplex", Mechanism: "select", Expect: Expectation{Fail: []string{"ECHO-4"}, Reasons: map[string]string{"ECHO-4": "the same bytes"}, Why: "send() loses what it did not write"},
			Verdict: Verdict{Target: "bob", Model: "multiplex", Failed: []string{"ECHO-4"}, Passed: without(applicable("multiplex", 0, "select"), "ECHO-4"),
				Why: map[string]string{"ECHO-4": "expected the same bytes back"}, Detail: map[string]string{"ECHO-4": sendDetail}}},
		{Name: "carol", Dir: "class/carol", Model: "multithread", Pool: 4, Expect: Expectation{Fail: []string{"MODEL-4", "POOL-1"}, MayFail: []string{"CONC-2"}, Reasons: map[string]string{"MODEL-4": "threads with", "POOL-1": "was answered"}},
			Verdict: Verdict{Target: "carol", Model: "multithread", Failed: []string{"POOL-1", "MODEL-4"}, Passed: without(ids("multithread", 4), "POOL-1", "MODEL-4"),
				Why:    map[string]string{"POOL-1": "client 5, beyond a pool of 4 busy workers, was answered", "MODEL-4": "threads with 8 clients connected to a pool of 4"},
				Detail: map[string]string{"POOL-1": "client 5, beyond a pool of 4 busy workers, was answered\n  hint: " + props.Get("POOL-1").Hint, "MODEL-4": "threads with 8 clients connected to a pool of 4"}}},
		{Name: "dave", Dir: "class/dave", Model: "single", Expect: Expectation{Fail: []string{}},
			Verdict: Verdict{Target: "dave", Model: "single", Failed: []string{}, Passed: without(single, "IDLE-1"),
				Skip: map[string]string{"IDLE-1": "needs Linux's /proc to check CPU time (this is darwin)"}}},
		{Name: "erin", Dir: "class/erin", Model: "single", Expect: Expectation{Fail: []string{"*"}, Reason: "did not listen"},
			Verdict: Verdict{Target: "erin", Model: "single", Failed: single, Passed: []string{}, Why: neverWhy, Detail: neverDetails,
				Reason: neverDetail[:len("never-listens: the server did not listen on port 45605 within 2s")]}},
		{Name: "frank", Dir: "class/frank", Expect: Expectation{Fail: []string{}},
			Problem: `the manifest does not load: class/frank/echospec.toml: key "model" "threads" is not a model`,
			Verdict: Verdict{Target: "frank", Failed: []string{}, Passed: []string{}}},
	}
}
