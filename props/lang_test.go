package props

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// Every text a student reads exists in every language: each property's
// requirement and hint, each family's title, each setup step's hint.
func TestEveryTextHasEveryLanguage(t *testing.T) {
	for _, p := range All() {
		for _, l := range Langs {
			q := p.In(l)
			if strings.TrimSpace(q.Requirement) == "" || strings.TrimSpace(q.Hint) == "" {
				t.Errorf("%s has no requirement or no hint in %s", p.ID, l)
			}
			if l != En && (q.Requirement == p.Requirement || q.Hint == p.Hint) {
				t.Errorf("%s: its %s requirement or hint is the English one: add it to %s's table", p.ID, l, l)
			}
		}
	}
	for id, tx := range zhProps {
		if _, ok := Lookup(id); !ok {
			t.Errorf("zh.go has texts for %s, which is not a property", id)
		}
		if !hasHan(tx.Requirement) || !hasHan(tx.Hint) {
			t.Errorf("%s: its zh requirement or hint has no Chinese in it", id)
		}
	}
	for id := range sources {
		if _, ok := Lookup(id); !ok {
			t.Errorf("zh.go quotes the tutorial for %s, which is not a property", id)
		}
	}
	for _, f := range Families {
		if _, ok := zhFamilies[f.Name]; !ok {
			t.Errorf("family %s has no zh title", f.Name)
		}
	}
	for _, k := range SetupSteps {
		for _, l := range Langs {
			if SetupHint(k, l) == "" {
				t.Errorf("setup step %s has no hint in %s", k, l)
			}
		}
		if SetupHint(k, Zh) == SetupHint(k, En) {
			t.Errorf("setup step %s: its zh hint is the English one", k)
		}
	}
	if len(zhSetupHints) != len(SetupSteps) || len(setupHints) != len(SetupSteps) {
		t.Errorf("setup hints: %d in English, %d in Chinese, for %d steps", len(setupHints), len(zhSetupHints), len(SetupSteps))
	}
}

// The LIFE family comes from the tutorial's sentence on an empty recv().
func TestLifeQuotesTheTutorial(t *testing.T) {
	want := "「如果客户端关闭了连接，data是空字符串」"
	if s := Get("LIFE-1").Source(Zh); !strings.HasPrefix(s, want) {
		t.Errorf("LIFE-1's source is %q, want it to start with %s", s, want)
	}
	if s := Get("ECHO-4").Source(En); s != "" {
		t.Errorf("ECHO-4 quotes %q, but no sentence of the tutorial states it", s)
	}
}

// A quote is the tutorial's own words: each must be in it verbatim (its
// ** emphasis left out). The tutorial is shared/seed beside the checkout,
// or $ECHOSPEC_TUTORIAL.
func TestQuotesAreTheTutorialsWords(t *testing.T) {
	file := os.Getenv("ECHOSPEC_TUTORIAL")
	if file == "" {
		file = filepath.Join("..", "..", "shared", "seed", "tcp-servers-tutorial.zh.md")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Skipf("the tutorial is not here (%v): set ECHOSPEC_TUTORIAL to its path", err)
	}
	tutorial := strings.ReplaceAll(string(data), "**", "")
	for id, s := range sources {
		if !strings.Contains(tutorial, s.Quote) {
			t.Errorf("%s quotes 「%s」, which is not in %s word for word", id, s.Quote, file)
		}
		if !strings.Contains(tutorial, s.Section) {
			t.Errorf("%s: section %q is not in %s", id, s.Section, file)
		}
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"zh": Zh, "zh_CN.UTF-8": Zh, "zh-TW": Zh, "ZH": Zh, "en": En, "en_US.UTF-8": En, "C": En, "": En, "fr_FR": En} {
		if got, _ := ParseLang(in); got != want {
			t.Errorf("ParseLang(%q) = %s, want %s", in, got, want)
		}
	}
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "zh_CN.UTF-8")
	if l := LocaleLang(); l != Zh {
		t.Errorf("LANG=zh_CN.UTF-8: %s, want zh", l)
	}
	t.Setenv("LC_ALL", "C")
	if l := LocaleLang(); l != En {
		t.Errorf("LC_ALL=C over LANG=zh_CN.UTF-8: %s, want en", l)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Every setup step of the suite has its Chinese: the what of each
// prepare and setupStep call in spec/, and no other.
func TestEveryStageHasChinese(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "spec", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no spec sources: %v", err)
	}
	call := regexp.MustCompile(`(?:prepare|setupStep)\((?:fmt\.Sprintf\()?"((?:[^"\\]|\\.)*)"`)
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(data), -1) {
			what, err := strconv.Unquote(`"` + m[1] + `"`)
			if err != nil {
				t.Fatal(err)
			}
			seen[what] = true
			if _, ok := zhStages[what]; !ok {
				t.Errorf("%s: the setup step %q has no Chinese in zh.go's zhStages", f, what)
			}
		}
	}
	if len(seen) < 20 {
		t.Fatalf("found only %d setup steps in spec/: has the way they are written changed?", len(seen))
	}
	for what := range zhStages {
		if !seen[what] {
			t.Errorf("zhStages has %q, which no spec prepares any more", what)
		}
	}
}

func TestHeadline(t *testing.T) {
	for in, want := range map[string]string{
		"setup failed, the property was not judged: connecting 16 clients that each echo one byte, then go silent: client 7 could not connect":   "准备步骤失败，此属性未被判定：连接 16 个客户端，每个回显一个字节后不再发送: client 7 could not connect",
		"setup failed, the property was not judged: connecting a client that never sends: dial: refused":                                         "准备步骤失败，此属性未被判定：连接一个从不发送数据的客户端: dial: refused",
		"setup failed, the property was not judged: connecting a client":                                                                         "准备步骤失败，此属性未被判定：连接一个客户端",
		"setup failed, the property was not judged: connecting clients one by one until the server, limited to 64 open files, serves no more: x": "准备步骤失败，此属性未被判定：逐个连接客户端，直到限制为 64 个打开文件的服务器不再服务: x",
		"received 0 of 11 bytes": "received 0 of 11 bytes",
	} {
		if got := Headline(in, Zh); got != want {
			t.Errorf("Headline(%q)\n = %q\nwant %q", in, got, want)
		}
		if got := Headline(in, En); got != in {
			t.Errorf("Headline(%q, en) = %q", in, got)
		}
	}
	data, err := os.ReadFile(filepath.Join("..", "spec", "failure_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"`+setupFailed+`%s: "`) {
		t.Errorf("spec/failure_test.go no longer begins a setup failure with %q: update setupFailed", setupFailed)
	}
}

// TestCodeHints: the language of code comes from the manifest's build or
// command, and a hint worded for it exists in every language, naming the
// construct of that code.
func TestCodeHints(t *testing.T) {
	for _, c := range []struct {
		command, build []string
		want           Code
	}{
		{[]string{"python3", "-u", "server.py", "{port}"}, nil, Python},
		{[]string{"{builddir}/server", "{port}"}, []string{"gcc", "-O2", "-o", "{builddir}/server", "server.c"}, C},
		{[]string{"java", "-cp", "{builddir}", "Server"}, []string{"javac", "-d", "{builddir}", "Server.java"}, Java},
		{[]string{"node", "server.js"}, nil, Node},
		{[]string{"{builddir}/server"}, []string{"go", "build", "-o", "{builddir}/server", "."}, Go},
		{[]string{"{builddir}/server"}, []string{"cargo", "build"}, Rust},
		{[]string{"./server"}, nil, Unknown},
	} {
		if got := CodeOf(c.command, c.build); got != c.want {
			t.Errorf("CodeOf(%q, %q) = %q, want %q", c.command, c.build, got, c.want)
		}
	}
	for id, byCode := range codeHints {
		p, ok := Lookup(id)
		if !ok {
			t.Errorf("codeHints: no property %s", id)
			continue
		}
		for code, h := range byCode {
			if h.en == "" || h.zh == "" {
				t.Errorf("%s/%s: a hint missing in a language", id, code)
			}
			if p.InCode(En, code).Hint != h.en || p.InCode(Zh, code).Hint != h.zh {
				t.Errorf("%s/%s: InCode does not give the code's hint", id, code)
			}
		}
	}
	reset3, _ := Lookup("RESET-3")
	if h := reset3.InCode(En, C).Hint; !strings.Contains(h, "goto") || !strings.Contains(h, "MSG_NOSIGNAL") || strings.Contains(h, "with block") {
		t.Errorf("RESET-3's hint for C: %s", h)
	}
	if h := reset3.InCode(En, Python).Hint; !strings.Contains(h, "finally") || strings.Contains(h, "goto") {
		t.Errorf("RESET-3's hint for Python: %s", h)
	}
}
