// Package check is the check command: it builds and tests one server, for the student who wrote
// it: a live line while the suite runs, then a line per family and each
// failure once, in full, in English or in the tutorial's Chinese.
//
//	go run ./tools/check [--watch] [--only ECHO-4] [--family reset] [--lang zh] [DIR]
//	go run ./tools/check list [--lang zh]
//	go run ./tools/check init [DIR]
//
// It exits 0 when every property checked passed (advisory properties,
// beyond the course, are shown but do not count), 1 when one failed, and 2
// when the manifest is invalid or the server cannot be built or started.
package check

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/echospec/echospec/detail"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// options are check's flags.
type options struct {
	lang     props.Lang
	watch    bool
	sel      selection
	patience float64
	suite    string // a compiled suite to use instead of compiling one
	serial   bool   // one suite at a time, not two
	dir      string
}

// Main runs check with args (what follows the command's name) and
// returns its exit status. prog is how the student runs it, e.g. "echospec"
// or "go run ./tools/check": the messages that suggest a command use it.
func Main(prog string, args []string, stdout, stderr io.Writer) int {
	if prog != "" {
		progName = prog
	}
	return run(args, stdout, stderr)
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && (args[0] == "list" || args[0] == "init") {
		cmd, args = args[0], args[1:]
	}
	o, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass
		}
		fmt.Fprintln(stderr, "check: "+err.Error())
		return exitBroken
	}
	switch cmd {
	case "list":
		list(stdout, o.lang)
		return exitPass
	case "init":
		return initManifest(stdout, stderr, o.lang, o.dir)
	}
	ctx, stopped := onSignal(interrupts)
	stopWithGoRun()
	tty := false
	width := 80
	if f, ok := stdout.(*os.File); ok && isTerminal(int(f.Fd())) {
		tty, width = true, termWidth(int(f.Fd()))
	}
	code := 0
	if o.watch {
		code = watch(ctx, o, stdout, tty, width)
	} else {
		code, _ = checkOnce(ctx, o, stdout, tty, width, "", nil)
	}
	if ctx.Err() != nil {
		key, status := stoppedBy(stopped())
		fmt.Fprintln(stdout, msg(o.lang, "interrupted", msg(o.lang, key)))
		return status
	}
	return code
}

// onSignal returns a context that ends at the first of sigs, and a func
// that says which it was. The signals stay caught until check returns, so
// a second one cannot kill it half-way through stopping its servers.
func onSignal(sigs []os.Signal) (context.Context, func() os.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	var got atomic.Value
	go func() {
		got.Store(<-c)
		cancel()
	}()
	return ctx, func() os.Signal {
		s, _ := got.Load().(os.Signal)
		return s
	}
}

// parse reads the flags, which may come before or after DIR.
func parse(args []string, stderr io.Writer) (options, error) {
	o := options{dir: "."}
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// The flags' texts are in the language --lang names, if it comes
	// first, else the locale's: the usage is printed before the rest of
	// the flags are read.
	ul := usageLang(args)
	lang := fs.String("lang", "", msg(ul, "flag-lang"))
	fs.BoolVar(&o.watch, "watch", false, msg(ul, "flag-watch"))
	var only, fams []string
	fs.Func("only", msg(ul, "flag-only"), func(s string) error {
		only = append(only, splitList(s)...)
		return nil
	})
	fs.Func("family", msg(ul, "flag-family", familyNames(ul)), func(s string) error {
		fams = append(fams, splitList(s)...)
		return nil
	})
	fs.Float64Var(&o.patience, "patience", envFloat("ECHOSPEC_PATIENCE", 1), msg(ul, "flag-patience"))
	fs.BoolVar(&o.serial, "serial", false, msg(ul, "flag-serial"))
	fs.StringVar(&o.suite, "suite", "", msg(ul, "flag-suite"))
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage(ul))
		printFlags(stderr, fs, ul)
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return o, err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	o.lang = props.LocaleLang()
	if *lang != "" {
		l, ok := props.ParseLang(*lang)
		if !ok {
			return o, errors.New(msg(o.lang, "bad-lang", *lang))
		}
		o.lang = l
	}
	if len(rest) > 1 {
		return o, errors.New(msg(o.lang, "one-folder", strings.Join(rest, " ")))
	}
	if len(rest) == 1 {
		o.dir = rest[0]
	}
	o.sel = selection{ids: map[string]bool{}, families: map[string]bool{}}
	for _, id := range only {
		id = strings.ToUpper(id)
		if _, ok := props.Lookup(id); !ok {
			return o, errors.New(msg(o.lang, "unknown-id", id))
		}
		o.sel.ids[id] = true
	}
	for _, f := range fams {
		f = strings.ToLower(f)
		if !isFamily(f) {
			return o, errors.New(msg(o.lang, "unknown-family", f, familyNames(o.lang)))
		}
		o.sel.families[f] = true
	}
	if o.patience <= 0 {
		return o, errors.New(msg(o.lang, "bad-patience", o.patience))
	}
	return o, nil
}

// checkOnce checks the server once: it loads the manifest, compiles the
// suite unless given one, runs it with the live line, and reports. With
// the verdict of a run before (--watch), the properties that failed then
// run first, and the report ends with what changed. It returns the exit
// status and the run's verdict (nil if there is none).
func checkOnce(ctx context.Context, o options, w io.Writer, tty bool, width int, suite string, prev *verdict) (int, *verdict) {
	l := o.lang
	tg, code := load(w, l, o.dir)
	if tg == nil {
		return code, nil
	}
	if len(o.sel.applicable(tg)) == 0 {
		fmt.Fprintln(w, msg(l, "none-selected", tg.Model))
		return exitBroken, nil
	}
	sandboxNote(w, l)
	v := newLive(w, tty, width, l)
	if suite == "" {
		suite = o.suite
	}
	if suite == "" {
		var err error
		if suite, err = compiled(ctx, func() { v.phase(msg(l, "compiling")) }); err != nil {
			v.end()
			if ctx.Err() != nil {
				return exitBroken, nil
			}
			fmt.Fprintln(w, msg(l, "compile-failed"))
			fmt.Fprintln(w, indent(tail(err.Error(), 20), "    | "))
			return exitBroken, nil
		}
	}
	v.phase(msg(l, "building", tg.Name))
	j := job{suite: suite, dir: tg.Dir, patience: o.patience, lang: l,
		grace: time.Duration(float64(10*time.Second) * o.patience)}
	all := ids(o.sel.applicable(tg))
	split := tg.Port == 0 && !o.serial
	var r result
	if again := failedBefore(prev, o.sel.applicable(tg)); len(again) > 0 {
		r = j.failedFirst(ctx, again, all, split, v.event)
	} else {
		r = j.runSplit(ctx, all, split, v.event)
	}
	v.end()
	if ctx.Err() != nil {
		return exitBroken, nil
	}
	code = report(w, l, tg, o.sel, r)
	if prev != nil && r.v != nil {
		writeChanges(w, l, o.sel.applicable(tg), prev, r.v)
	}
	return code, r.v
}

// load reads DIR's manifest; on failure it says why and what to do, and
// returns the exit status.
func load(w io.Writer, l props.Lang, dir string) (*manifest.Target, int) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		fmt.Fprintln(w, "check: "+detail.Line(err.Error(), l))
		return nil, exitBroken
	}
	if _, err := os.Stat(filepath.Join(abs, manifest.FileName)); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(w, msg(l, "no-manifest", dir, dir))
		return nil, exitBroken
	}
	tg, err := manifest.Load(abs)
	if err != nil {
		fmt.Fprintln(w, msg(l, "bad-manifest"))
		fmt.Fprintln(w, "  "+detail.Line(err.Error(), l))
		return nil, exitBroken
	}
	return tg, exitPass
}

// printFlags is flag.PrintDefaults with its own words ("default") in l.
func printFlags(w io.Writer, fs *flag.FlagSet, l props.Lang) {
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(w, "  --%s\n    \t%s", f.Name, f.Usage)
		if d := f.DefValue; d != "" && d != "false" && d != "[]" {
			fmt.Fprint(w, msg(l, "flag-default", d))
		}
		fmt.Fprintln(w)
	})
}

// usageLang is the language of check's usage: that of a --lang among
// args, else the locale's.
func usageLang(args []string) props.Lang {
	for i, a := range args {
		v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "lang=")
		if !ok && strings.TrimLeft(a, "-") == "lang" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if l, good := props.ParseLang(v); ok && good && strings.HasPrefix(a, "-") {
			return l
		}
	}
	return props.LocaleLang()
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

func isFamily(name string) bool {
	for _, f := range props.Families {
		if f.Name == name {
			return true
		}
	}
	return false
}

// familyNames lists the families' names, as a list is written in l.
func familyNames(l props.Lang) string {
	var names []string
	for _, f := range props.Families {
		names = append(names, f.Name)
	}
	if l == props.Zh {
		return strings.Join(names, "、")
	}
	return strings.Join(names, ", ")
}

func envFloat(name string, def float64) float64 {
	var f float64
	if v := os.Getenv(name); v != "" {
		if _, err := fmt.Sscan(v, &f); err == nil {
			return f
		}
	}
	return def
}
