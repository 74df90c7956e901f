package check

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// Every sentence check says exists in every language, with the same
// arguments in the same order.
func TestEveryMessageHasEveryLanguage(t *testing.T) {
	// A translation may take the arguments in another order (%[2]s).
	verbs := regexp.MustCompile(`%(?:\[\d+\])?[-+# 0-9]*[a-zA-Z]`)
	index := regexp.MustCompile(`\[\d+\]`)
	args := func(s string) []string {
		v := verbs.FindAllString(s, -1)
		for i := range v {
			v[i] = index.ReplaceAllString(v[i], "")
		}
		slices.Sort(v)
		return v
	}
	for key, byLang := range msgs {
		en := byLang[props.En]
		for _, l := range props.Langs {
			s, ok := byLang[l]
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("message %q has no %s text", key, l)
				continue
			}
			if a, b := args(en), args(s); !slices.Equal(a, b) {
				t.Errorf("message %q: %s has arguments %v, English %v", key, l, b, a)
			}
			if l != props.En && s == en && !strings.HasPrefix(key, "list-mech") {
				t.Errorf("message %q: its %s text is the English one", key, l)
			}
		}
	}
	for _, l := range props.Langs {
		if templates[l] == nil {
			t.Errorf("init has no manifest template in %s", l)
		}
	}
}

// list shows every property with its text in the language asked for.
func TestListShowsEveryIDInEachLanguage(t *testing.T) {
	for _, l := range props.Langs {
		var out, errs bytes.Buffer
		if code := run([]string{"list", "--lang", string(l)}, &out, &errs); code != 0 {
			t.Fatalf("check list --lang %s: exit %d: %s", l, code, errs.String())
		}
		for _, p := range props.All() {
			q := p.In(l)
			if !strings.Contains(out.String(), p.ID) || !strings.Contains(out.String(), q.Requirement) {
				t.Errorf("check list --lang %s does not show %s with %q", l, p.ID, q.Requirement)
			}
		}
		for _, f := range props.Families {
			if !strings.Contains(out.String(), props.FamilyTitle(f.Name, l)) {
				t.Errorf("check list --lang %s does not show family %s", l, f.Name)
			}
		}
	}
	var out bytes.Buffer
	run([]string{"list", "--lang", "zh"}, &out, &out)
	if !strings.Contains(out.String(), "需 pool = N") || !strings.Contains(out.String(), `mechanism = "select" 时`) {
		t.Errorf("check list --lang zh does not say when POOL-1 and CAP-4 apply:\n%s", out.String())
	}
}

// init writes, for each kind of server it knows, a manifest that loads,
// with the build and command filled in and the model guessed from the
// source.
func TestInitWritesAManifestThatLoads(t *testing.T) {
	cases := []struct {
		file, src, model, mechanism, command string
		build                                bool
	}{
		{"server.py", "import socket\nimport threading\n", "multithread", "", "python3", false},
		{"server.c", "#include <sys/epoll.h>\nint main(){epoll_create1(0);}\n", "multiplex", "epoll", "{builddir}/server", true},
		{"main.go", "package main\nfunc main(){ go serve(c) }\n", "coroutine", "", "{builddir}/server", true},
		{"Server.java", "class Server { void f(){ new Thread(r).start(); } }\n", "multithread", "", "java", true},
		{"server.js", "const net = require('net');\n", "multiplex", "epoll", "node", false},
		{"main.rs", "use std::net::TcpListener;\nfn main(){}\n", "single", "", "{builddir}/server", true},
		{"src/main.rs", "fn main(){ std::thread::spawn(|| {}); }\n", "multithread", "", "{builddir}/release/echo", true},
	}
	for _, l := range props.Langs {
		for _, c := range cases {
			dir := t.TempDir()
			must(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, c.file)), 0o755))
			must(t, os.WriteFile(filepath.Join(dir, c.file), []byte(c.src), 0o644))
			if c.file == "src/main.rs" {
				must(t, os.WriteFile(filepath.Join(dir, "Cargo.toml"), []byte("[package]\nname = \"echo\"\n"), 0o644))
			}
			var out, errs bytes.Buffer
			if code := run([]string{"init", "--lang", string(l), dir}, &out, &errs); code != 0 {
				t.Fatalf("init %s (%s): exit %d: %s", c.file, l, code, errs.String())
			}
			tg, err := manifest.Load(dir)
			if err != nil {
				t.Fatalf("init %s (%s) wrote a manifest that does not load: %v", c.file, l, err)
			}
			if tg.Model != c.model || tg.Mechanism != c.mechanism {
				t.Errorf("init %s: model %q mechanism %q, want %q %q", c.file, tg.Model, tg.Mechanism, c.model, c.mechanism)
			}
			if len(tg.Command) == 0 || tg.Command[0] != c.command || (len(tg.Build) > 0) != c.build {
				t.Errorf("init %s: command %q, build %q", c.file, tg.Command, tg.Build)
			}
			data, _ := os.ReadFile(filepath.Join(dir, manifest.FileName))
			for _, m := range manifest.Models {
				if !strings.Contains(string(data), `"`+m+`"`) {
					t.Errorf("init %s (%s): the manifest does not list the model %q to choose from", c.file, l, m)
				}
			}
			if code := run([]string{"init", dir}, &out, &errs); code != exitBroken {
				t.Errorf("init over an existing manifest: exit %d, want %d", code, exitBroken)
			}
		}
	}
	if code := run([]string{"init", t.TempDir()}, new(bytes.Buffer), new(bytes.Buffer)); code != exitBroken {
		t.Errorf("init in a folder with no server: exit %d, want %d", code, exitBroken)
	}
}

// init's guesses on the fixture bank's servers match what they declare.
func TestInitGuessesTheFixturesModels(t *testing.T) {
	for _, name := range []string{"py-single", "py-threaded", "py-fork", "py-gevent", "py-selectors", "c-epoll", "c-poll", "go-goroutine", "node-net"} {
		dir := filepath.Join("..", "..", "..", "fixtures", "students", name)
		tg, err := manifest.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		text, _, model, err := manifestFor(props.En, dir)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if model != tg.Model {
			t.Errorf("%s: init guesses %q, the fixture declares %q", name, model, tg.Model)
		}
		if tg.Mechanism != "" && !strings.Contains(text, `mechanism = "`+tg.Mechanism+`"`) {
			t.Errorf("%s: init does not guess mechanism %q:\n%s", name, tg.Mechanism, text)
		}
	}
}

func TestFlags(t *testing.T) {
	o, err := parse([]string{"some/dir", "--only", "echo-4,LIFE-1", "--family", "reset", "--lang", "zh"}, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if o.dir != "some/dir" || o.lang != props.Zh || !o.sel.ids["ECHO-4"] || !o.sel.ids["LIFE-1"] || !o.sel.families["reset"] {
		t.Errorf("parse: %+v", o)
	}
	if f := o.sel.filter(); f != "id:ECHO-4 || id:LIFE-1 || family:reset" {
		t.Errorf("label filter %q", f)
	}
	for _, bad := range [][]string{{"--only", "ECHO-9"}, {"--family", "nope"}, {"--lang", "fr"}, {"a", "b"}} {
		if _, err := parse(bad, new(bytes.Buffer)); err == nil {
			t.Errorf("parse %q: no error", bad)
		}
	}
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "zh_CN.UTF-8")
	if o, _ := parse(nil, new(bytes.Buffer)); o.lang != props.Zh {
		t.Errorf("LANG=zh_CN.UTF-8: lang %s", o.lang)
	}
}

// A manifest that does not load, or a folder with none, stops check
// before anything runs, with exit status 2 and what to do, in each
// language.
func TestBrokenManifestExits2(t *testing.T) {
	none := t.TempDir()
	bad := t.TempDir()
	must(t, os.WriteFile(filepath.Join(bad, manifest.FileName), []byte("model = \"threads\"\ncommand = [\"python3\", \"server.py\"]\n"), 0o644))
	for _, c := range []struct {
		dir  string
		lang props.Lang
		want string
	}{
		{none, props.En, "has no echospec.toml"},
		{none, props.Zh, "中没有 echospec.toml"},
		{bad, props.En, "the manifest is not valid"},
		{bad, props.Zh, "清单文件（echospec.toml）无效"},
	} {
		var out bytes.Buffer
		if code := run([]string{"--lang", string(c.lang), c.dir}, &out, &out); code != exitBroken {
			t.Errorf("check %s (%s): exit %d, want 2", c.dir, c.lang, code)
		}
		if !strings.Contains(out.String(), c.want) {
			t.Errorf("check %s (%s) says %q, want %q in it", c.dir, c.lang, out.String(), c.want)
		}
	}
}

// The suite's fixed words of a failure's headline are put into the
// student's language; what follows them stays as the suite wrote it.
func TestHeadlines(t *testing.T) {
	for in, want := range map[string]string{
		"the server ended during this spec (it exited with status 1): received 0 of 11 bytes": "服务器在这项检查进行中退出了（已退出，退出码 1）：共发送 11 字节，收到 0 字节",
		"the server ended during this spec (it was killed by signal SIGKILL (9))":             "服务器在这项检查进行中退出了（被信号 SIGKILL（9）杀死）",
		"setup failed, the property was not judged: finding the listening process: none":      "准备步骤失败，此属性未被判定：查找监听进程：没有",
		"received 4,305,977 of 8,388,609 bytes, then nothing for 4s":                          "共发送 8,388,609 字节，收到 4,305,977 字节，之后 4s 内再没有收到任何数据",
	} {
		if got := translateHead(props.Zh, in); got != want {
			t.Errorf("translateHead(%q)\n = %q\nwant %q", in, got, want)
		}
		if got := translateHead(props.En, in); got != in {
			t.Errorf("translateHead(en, %q) = %q", in, got)
		}
	}
}

func TestFit(t *testing.T) {
	if s := fit("第 1 项，共 2 项", 8); s != "第 1 项" {
		t.Errorf("fit: %q", s)
	}
	if s := fit("spec 1 of 2", 6); s != "spec 1" {
		t.Errorf("fit: %q", s)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A property whose setup failed is shown as not judged, with the setup's
// hint and never the property's, and the run exits 1.
func TestReportNotJudged(t *testing.T) {
	tg := &manifest.Target{Name: "alice", Model: "single"}
	const setup = "setup failed, the property was not judged: connecting client B: client 2 could not connect: connection refused"
	v := &verdict{Target: "alice", Model: "single", Failed: []string{}, NotJudged: []string{"SERIAL-2"},
		Why: map[string]string{"SERIAL-2": setup}, Detail: map[string]string{"SERIAL-2": setup + "\n  hint: the setup's own hint"}}
	for _, p := range (selection{}).applicable(tg) {
		if p.ID != "SERIAL-2" {
			v.Passed = append(v.Passed, p.ID)
		}
	}
	var b bytes.Buffer
	if code := report(&b, props.En, tg, selection{}, result{v: v}); code != exitFail {
		t.Errorf("exit %d; want %d", code, exitFail)
	}
	out := b.String()
	for _, want := range []string{"1 not judged (setup failed): SERIAL-2", "1 not judged: a step that only sets the property up failed", "✗ SERIAL-2", "not judged: its setup failed", "the setup's own hint"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, props.Get("SERIAL-2").Hint) {
		t.Errorf("the report gives SERIAL-2's own hint for a property that was not judged:\n%s", out)
	}
}

// When only advisory properties (beyond the course) fail, the report
// shows them in full as advice, and check exits 0, saying so on its last
// line, in each language. A failure the course teaches still exits 1.
func TestReportAdviceOnlyExits0(t *testing.T) {
	tg := &manifest.Target{Name: "tutorial-multithread", Model: "multithread"}
	const why = "the server ended during this spec (it exited with status 1)"
	mk := func(failed ...string) *verdict {
		v := &verdict{Target: tg.Name, Model: tg.Model, Failed: failed, Why: map[string]string{}, Detail: map[string]string{}}
		for _, id := range failed {
			v.Why[id], v.Detail[id] = why, why
		}
		for _, p := range (selection{}).applicable(tg) {
			if !slices.Contains(failed, p.ID) {
				v.Passed = append(v.Passed, p.ID)
			}
		}
		return v
	}
	if !props.Get("CAP-3").Advisory() || props.Get("ECHO-4").Advisory() {
		t.Fatal("CAP-3 must be advisory and ECHO-4 not, for this test")
	}
	for _, l := range props.Langs {
		var b bytes.Buffer
		if code := report(&b, l, tg, selection{}, result{v: mk("CAP-3")}); code != exitPass {
			t.Errorf("%s: only CAP-3 (advisory) failed: exit %d; want %d", l, code, exitPass)
		}
		out := strings.TrimRight(b.String(), "\n")
		last := out[strings.LastIndex(out, "\n")+1:]
		if last != msg(l, "advice-only", "CAP-3") {
			t.Errorf("%s: the last line is %q; want %q", l, last, msg(l, "advice-only", "CAP-3"))
		}
		for _, want := range []string{"i CAP-3", msg(l, "fam-advice", 1, "CAP-3"), msg(l, "advice-count", 1), props.Get("CAP-3").In(l).Hint} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the report lacks %q:\n%s", l, want, out)
			}
		}
		if strings.Contains(out, "✗") {
			t.Errorf("%s: the report marks advice as a failure (✗):\n%s", l, out)
		}
	}
	var b bytes.Buffer
	if code := report(&b, props.En, tg, selection{}, result{v: mk("ECHO-4", "CAP-3")}); code != exitFail {
		t.Errorf("ECHO-4 and CAP-3 failed: exit %d; want %d", code, exitFail)
	}
	if out := b.String(); !strings.Contains(out, "✗ ECHO-4") || !strings.Contains(out, "i CAP-3") || strings.Contains(out, msg(props.En, "advice-only", "CAP-3")) {
		t.Errorf("ECHO-4 and CAP-3 failed: want ECHO-4 as a failure, CAP-3 as advice, and no advice-only line:\n%s", out)
	}
}

// A property judged only in part says, after the summary, what its spec
// left out, whatever its outcome.
func TestReportSaysWhatWasLeftOut(t *testing.T) {
	tg := &manifest.Target{Name: "alice", Model: "multithread"}
	v := &verdict{Target: "alice", Model: "multithread", Failed: []string{},
		Partly: map[string]string{"RESET-3": "that no descriptor leaked after the aborts: no /proc on darwin"}}
	for _, p := range (selection{}).applicable(tg) {
		v.Passed = append(v.Passed, p.ID)
	}
	for _, l := range props.Langs {
		var b bytes.Buffer
		if code := report(&b, l, tg, selection{}, result{v: v}); code != exitPass {
			t.Errorf("%s: exit %d; want %d", l, code, exitPass)
		}
		if out := b.String(); !strings.Contains(out, msg(l, "partly-count", 1)+"\n  RESET-3: that no descriptor leaked after the aborts: no /proc on darwin\n") {
			t.Errorf("%s: the report does not say what RESET-3 left out:\n%s", l, out)
		}
	}
}
