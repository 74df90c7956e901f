package props

import (
	"os"
	"regexp"
	"slices"
	"strings"
)

// Lang is a language the kit speaks to a student in. English is the
// catalogue's own (props.go); every other language's texts are in a table
// of its own (zh.go), keyed by property ID, family and setup step.
type Lang string

// The languages a student can choose.
const (
	En Lang = "en"
	Zh Lang = "zh" // the tutorial's language
)

// Langs are the languages, English first.
var Langs = []Lang{En, Zh}

// ParseLang reads a language name or a locale ("zh", "zh_CN.UTF-8",
// "en-US"); ok is false for one the kit does not speak.
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, l := range Langs {
		if s == string(l) || strings.HasPrefix(s, string(l)+"_") || strings.HasPrefix(s, string(l)+"-") || strings.HasPrefix(s, string(l)+".") {
			return l, true
		}
	}
	return En, false
}

// LocaleLang is the language of the user's locale: the first of LC_ALL,
// LC_MESSAGES and LANG that is set, as POSIX orders them; English for a
// locale the kit does not speak (C, POSIX, fr_FR, ...).
func LocaleLang() Lang {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			l, _ := ParseLang(s)
			return l
		}
	}
	return En
}

// EnvLang is the name of the variable that sets the suite's language
// (tools/check sets it from its --lang, so that both say the same).
const EnvLang = "ECHOSPEC_LANG"

// text is one property's texts in a language other than English.
type text struct{ Requirement, Hint string }

// source is the tutorial's sentence a property comes from: the quote,
// verbatim, in the tutorial's Chinese, what it says in English, and the
// section it is in.
type source struct{ Quote, Gloss, Section string }

// In returns the property with its requirement and hint in l.
func (p Property) In(l Lang) Property {
	if l == Zh {
		if t, ok := zhProps[p.ID]; ok {
			p.Requirement, p.Hint = t.Requirement, t.Hint
		}
	}
	return p
}

// Source is the tutorial's sentence the property comes from, in 「」, and
// in English what it says and where; "" when the property does not come
// from a sentence of the tutorial.
func (p Property) Source(l Lang) string {
	s, ok := sources[p.ID]
	if !ok {
		return ""
	}
	if l == Zh {
		return "「" + s.Quote + "」（" + s.Section + "）"
	}
	return "「" + s.Quote + "」 (" + s.Section + ": " + s.Gloss + ")"
}

// FamilyTitle is the title of family name in l; name itself if there is
// no such family.
func FamilyTitle(name string, l Lang) string {
	if l == Zh {
		if t, ok := zhFamilies[name]; ok {
			return t
		}
	}
	for _, f := range Families {
		if f.Name == name {
			return f.Title
		}
	}
	return name
}

// The setup steps a spec goes through before it judges its property,
// each with its own hint: a failure there is no verdict on the property.
const (
	SetupBuild    = "build"    // building the server (tools/check's hint; the suite builds once, before any spec)
	SetupStart    = "start"    // starting the server
	SetupConnect  = "connect"  // connecting the spec's clients
	SetupGreeting = "greeting" // reading the declared greeting
	SetupState    = "state"    // bringing the server into the property's state
)

// SetupSteps are the setup steps, in the order a spec meets them.
var SetupSteps = []string{SetupBuild, SetupStart, SetupConnect, SetupGreeting, SetupState}

var setupHints = map[string]string{
	SetupBuild:    "the build in echospec.toml failed, so the server could not run: its output above names the error — fix it, or check build = [...] by running the command in the folder yourself (with a folder of your own for {builddir})",
	SetupStart:    "the server did not come up listening for this spec: the message says how it ended or what it printed — check the command and port in echospec.toml, and that the server listens within ready_timeout",
	SetupConnect:  "the kit's clients could not connect or get a first echo, so the server was not accepting: check that it listens with a backlog, goes back to accept() after each client, and is still running",
	SetupGreeting: "the greeting declared in echospec.toml did not arrive as written: check that greeting = \"...\" is exactly what the server sends first on every connection, or remove it",
	SetupState:    "the kit could not bring the server into the state this property is about; the message says which step stopped and what the server did",
}

// SetupHint is the hint of setup step key in l; "" for an unknown step.
func SetupHint(key string, l Lang) string {
	if l == Zh {
		if h, ok := zhSetupHints[key]; ok {
			return h
		}
	}
	return setupHints[key]
}

// setupFailed is how the suite's headline of a setup failure begins,
// before the step's what (spec/failure_test.go).
const setupFailed = "setup failed, the property was not judged: "

var zhSetupFailed = "准备步骤失败，此属性未被判定："

// stagePatterns match a rendered step (its %d filled in), longest first,
// so that "connecting a client" does not take "connecting a client that
// never sends".
var stagePatterns = func() []stagePattern {
	var ps []stagePattern
	for en := range zhStages {
		re := "^" + strings.ReplaceAll(regexp.QuoteMeta(en), "%d", `([0-9][0-9,]*)`) + "(:|$)"
		ps = append(ps, stagePattern{regexp.MustCompile(re), en})
	}
	slices.SortFunc(ps, func(a, b stagePattern) int { return len(b.en) - len(a.en) })
	return ps
}()

type stagePattern struct {
	re *regexp.Regexp
	en string
}

// Headline puts the suite's headline of a setup failure ("setup failed,
// the property was not judged: connecting 64 clients ...: ...") into l:
// the fixed words and the step; what the step ran into stays as the
// suite wrote it. Any other headline comes back as it is.
func Headline(head string, l Lang) string {
	rest, ok := strings.CutPrefix(head, setupFailed)
	if !ok || l == En {
		return head
	}
	for _, p := range stagePatterns {
		m := p.re.FindStringSubmatchIndex(rest)
		if m == nil {
			continue
		}
		zh := zhStages[p.en]
		for i := 2; i+1 < len(m)-2; i += 2 { // each number, in order
			zh = strings.Replace(zh, "%d", rest[m[i]:m[i+1]], 1)
		}
		return zhSetupFailed + zh + rest[m[len(m)-2]:]
	}
	return zhSetupFailed + rest
}
