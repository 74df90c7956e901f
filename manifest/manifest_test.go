package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/echospec/echospec/rlimit"
)

func write(t *testing.T, body string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "alice")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadValid(t *testing.T) {
	dir := write(t, `
model = "multithread"
command = ["python3", "server.py", "{port}"]
pool = 4
greeting = "hi\n"
ready_timeout = 3
[expect]
fail = ["LIFE-1", "ECHO-4"]
not_judged = ["SERIAL-2"]
why = "never closes"
[expect.may_fail]
RESET-2 = "dies on the reset or before it, as the scheduler runs it"
LIFE-3 = "the race of the close"
[expect.reasons]
ECHO-4 = "received"
LIFE-1 = "no EOF"
`)
	tg, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Name != "alice" || tg.Model != "multithread" || tg.Pool != 4 || string(tg.Greeting) != "hi\n" ||
		tg.ReadyTimeout != 3*time.Second || strings.Join(tg.Expect.Fail, ",") != "ECHO-4,LIFE-1" || tg.Dir != dir {
		t.Fatalf("Load = %+v", tg)
	}
	e := tg.Expect
	if strings.Join(e.MayFail, ",") != "LIFE-3,RESET-2" || e.MayFailWhy["LIFE-3"] != "the race of the close" || strings.Join(e.NotJudged, ",") != "SERIAL-2" || len(e.Reasons) != 2 || e.Phrase("ECHO-4") != "received" || e.Phrase("LIFE-1") != "no EOF" || e.Phrase("LIFE-3") != "" {
		t.Fatalf("Expect = %+v; want may_fail LIFE-3,RESET-2 and the two reasons", e)
	}
}

// The older form still loads: every spec fails, each for one reason.
func TestLoadFailsAllWithReason(t *testing.T) {
	tg, err := Load(write(t, "model = \"single\"\ncommand = [\"x\"]\n[expect]\nfail = [\"*\"]\nreason = \"did not listen\""))
	if err != nil {
		t.Fatal(err)
	}
	if !tg.Expect.FailsAll() || tg.Expect.Phrase("ECHO-1") != "did not listen" || tg.Expect.Reasons != nil || tg.Expect.MayFail != nil {
		t.Fatalf("Expect = %+v", tg.Expect)
	}
}

func TestLoadErrors(t *testing.T) {
	const pre = "model = \"single\"\ncommand = [\"x\"]\n[expect]\n"
	for _, tc := range []struct{ body, want string }{
		{`command = ["x"]`, `key "model" is missing`},
		{"model = \"threads\"\ncommand = [\"x\"]", `"threads" is not a model`},
		{`model = "single"`, `key "command" is missing`},
		{"model = \"multithread\"\ncommand = [\"x\"]\npool = \"4\"", `key "pool" has the wrong type`},
		{"model = \"single\"\ncommand = [\"x\"]\nprot = 9090", `unknown key "prot"`},
		{"model = \"single\"\ncommand = [\"x\"]\nport = 70000", `70000 is not a port`},
		{"model = \"single\"\ncommand = [\"x\"]\nready_timeout = \"soon\"", `ready_timeout`},
		{"model = \"single\"\ncommand = [\"x\"]\n[expect]\nfail = [\"echo4\"]", `"echo4" is not a property ID`},
		{"model = \"single\"\ncommand = [\"x\"", `fix the TOML syntax`},
		{pre + "fail = [\"ECHO-4\", \"ECHO-4\"]", `key "expect.fail" lists ECHO-4 twice`},
		{pre + "fail = [\"ECHO-4\"]\nmay_fail = [\"RESET-2\"]", `may_fail = [RESET-2] lists IDs without their reasons; write a table instead`},
		{pre + "fail = [\"ECHO-4\"]\n[expect.may_fail]\nreset2 = \"a race\"", `key "expect.may_fail.reset2" names "reset2", which is not a property ID`},
		{pre + "fail = [\"ECHO-4\"]\n[expect.may_fail]\nECHO-4 = \"a race\"", `key "expect.may_fail.ECHO-4" names ECHO-4, which fail lists too`},
		{pre + "fail = [\"ECHO-4\"]\n[expect.may_fail]\nLIFE-1 = \" \"", `key "expect.may_fail.LIFE-1" has no reason`},
		{pre + "fail = [\"*\"]\n[expect.may_fail]\nECHO-4 = \"a race\"", `key "expect.may_fail" means nothing with fail = ["*"]`},
		{pre + "fail = [\"ECHO-4\"]\nnot_judged = [\"ECHO-4\"]", `key "expect.not_judged" lists ECHO-4, which fail lists too`},
		{pre + "fail = [\"ECHO-4\"]\nnot_judged = [\"SERIAL-2\"]\n[expect.may_fail]\nSERIAL-2 = \"a race\"", `key "expect.may_fail.SERIAL-2" names SERIAL-2, which not_judged lists too`},
		{pre + "fail = [\"ECHO-4\"]\n[expect.reasons]\nLIFE-1 = \"no EOF\"", `key "expect.reasons.LIFE-1" names LIFE-1, which is neither in fail nor in not_judged; add LIFE-1 to one of them, or remove its phrase; it should be a table [expect.reasons]`},
		{pre + "fail = [\"ECHO-4\"]\n[expect.may_fail]\nLIFE-1 = \"a race\"\n[expect.reasons]\nLIFE-1 = \"no EOF\"", `key "expect.reasons.LIFE-1" names LIFE-1, which is in may_fail`},
		{"model = \"coroutine\"\ncommand = [\"x\"]\npool = 4", `key "pool" is set, but model "coroutine" has no pool of workers (only "multiprocess", "multithread" do): remove pool`},
		{"model = \"single\"\ncommand = [\"x\"]\npool = 2", `model "single" has no pool of workers`},
		{"model = \"multithread\"\ncommand = [\"x\"]\npool = 1", `key "pool" = 1 is not a pool: a pool has 2 workers or more; a server that serves one client at a time is model = "single"`},
		{"model = \"multiprocess\"\ncommand = [\"x\"]\npool = 0", `key "pool" = 0 is not a pool`},
		{pre + "fail = [\"ECHO-4\"]\n[expect.reasons]\necho4 = \"x\"", `key "expect.reasons.echo4" names "echo4", which is not a property ID`},
		{pre + "fail = [\"ECHO-4\"]\n[expect.reasons]\nECHO-4 = \" \"", `key "expect.reasons.ECHO-4" is empty`},
		{pre + "fail = [\"ECHO-4\"]\n[expect.reasons]\nECHO-4 = \"a\\nb\"", `key "expect.reasons.ECHO-4" holds a newline`},
		{pre + "fail = [\"*\"]\n[expect.reasons]\nECHO-4 = \"x\"", `give the phrase every failure must contain as reason = "..."`},
		{pre + "fail = [\"ECHO-4\"]\n[expect.reasons]\nECHO-4 = 3", `key "expect.reasons" has the wrong type or value (ECHO-4 = 3 is not a string)`},
		{pre + "fail = [\"ECHO-4\"]\nreasons = \"x\"", `key "expect.reasons" has the wrong type or value`},
		{"model = \"single\"\ncommand = [\"x\"]\n[limits]\nopen_files = 100000", `open_files = 100000 is above the kit's limit of 4096`},
		{"model = \"single\"\ncommand = [\"x\"]\n[limits]\naddress_space = \"lots\"", `key "limits.address_space" has the wrong type or value`},
		{"model = \"single\"\ncommand = [\"x\"]\n[limits]\nprocesses = 0", `key "limits.processes" 0 is not a positive count`},
		{"model = \"single\"\ncommand = [\"x\"]\n[limits]\nthreads = 8", `unknown key "limits.threads"`},
	} {
		dir := write(t, tc.body)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), FileName) {
			t.Errorf("Load(%q) = %v; want an error naming the file and containing %q", tc.body, err, tc.want)
		}
	}
}

func TestLimits(t *testing.T) {
	tg, err := Load(write(t, "model = \"single\"\ncommand = [\"x\"]\n[limits]\nprocesses = 8\naddress_space = \"1GiB\"\ncpu_time = \"30s\""))
	if err != nil {
		t.Fatal(err)
	}
	want := rlimit.Defaults
	want.Processes, want.AddressSpace, want.CPUTime = 8, 1<<30, 30*time.Second
	if tg.Limits != want {
		t.Fatalf("Limits = %v; want %v", tg.Limits, want)
	}
	tg, err = Load(write(t, "model = \"single\"\ncommand = [\"x\"]"))
	if err != nil || tg.Limits != rlimit.Defaults {
		t.Fatalf("no [limits]: Limits = %v, %v; want the defaults", tg.Limits, err)
	}
}

func TestDiscoverRefusesDuplicateNames(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a", "b"} {
		p := filepath.Join(root, d)
		os.MkdirAll(p, 0o755)
		os.WriteFile(filepath.Join(p, FileName), []byte("name = \"same\"\nmodel = \"single\"\ncommand = [\"x\"]"), 0o644)
	}
	if _, err := Discover(root); err == nil || !strings.Contains(err.Error(), `both are named "same"`) {
		t.Fatalf("Discover = %v; want a duplicate-name error", err)
	}
}
