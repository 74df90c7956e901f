package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/tools/ports/portinfo"
)

// suite is what the suite's source says about platforms: which specs call
// session.local (and with what), which are guarded by onLinux, which read
// probe.Conn.Pending, and local()'s own conditions.
type suite struct {
	Specs []specInfo
	// local()'s two skips: for an --addr target, and for a GOOS.
	AddrSkip  skipRule
	GOOSSkip  skipRule
	OnLinux   goosCond // the suite's onLinux (session_procs_test.go)
	LocalFile string
}

type specInfo struct {
	ID, Family string
	LocalWhat  string   // s.local("...")'s argument, "" if none
	Local      bool     // calls local(), directly or through a helper
	OnLinux    []string // helpers called only when onLinux holds
	OnLinuxSrv bool     // ... and only for a server the kit started (s.srv)
	Pending    bool     // reads probe.Conn.Pending, directly or through a helper
}

// goosCond is `runtime.GOOS == "x"` or `runtime.GOOS != "x"`.
type goosCond struct {
	Neq  bool
	GOOS string
	Text string
}

func (c goosCond) holds(goos string) bool { return (goos == c.GOOS) != c.Neq }

type skipRule struct {
	Cond   goosCond
	Text   string // the condition as written
	Format string // the Skip message, a fmt format
}

// readSuite parses the suite's files.
func readSuite(pkg *portinfo.Package) (*suite, error) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range append(slices.Clone(pkg.TestGoFiles), pkg.XTestGoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(pkg.Dir, name), nil, 0)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	methods := map[string]*ast.FuncDecl{}
	s := &suite{}
	for _, f := range files {
		if e, ok := varValues(f)["onLinux"]; ok && e != nil {
			c, ok := parseGOOSCond(fset, e)
			if !ok {
				return nil, fmt.Errorf("the suite's onLinux is %s, not a runtime.GOOS comparison; update tools/platforms", render(fset, e))
			}
			s.OnLinux = c
		}
	}
	if s.OnLinux.GOOS == "" {
		return nil, fmt.Errorf("the suite has no onLinux constant; update tools/platforms")
	}
	for i, f := range files {
		for _, fn := range funcs(f) {
			if fn.Recv != nil && len(fn.Recv.List) == 1 && strings.Contains(render(fset, fn.Recv.List[0].Type), "session") {
				methods[fn.Name.Name] = fn
				if fn.Name.Name == "local" {
					s.LocalFile = append(slices.Clone(pkg.TestGoFiles), pkg.XTestGoFiles...)[i]
					if err := s.readLocal(fset, fn); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if s.GOOSSkip.Format == "" || s.AddrSkip.Format == "" {
		return nil, fmt.Errorf("session.local() no longer has its --addr and runtime.GOOS skips; update tools/platforms")
	}

	// Every spec(tg, "ID", timeout, body) call.
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !isIdent(call.Fun, "spec") || len(call.Args) < 4 {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			body, ok2 := call.Args[3].(*ast.FuncLit)
			if !ok || !ok2 {
				return true
			}
			id, _ := strconv.Unquote(lit.Value)
			p, known := props.Lookup(id)
			if !known {
				return true
			}
			si := specInfo{ID: id, Family: p.Family}
			si.scan(fset, body.Body, methods, map[string]bool{}, true)
			s.Specs = append(s.Specs, si)
			return false
		})
	}
	order := map[string]int{}
	for i, p := range props.All() {
		order[p.ID] = i
	}
	slices.SortFunc(s.Specs, func(a, b specInfo) int { return order[a.ID] - order[b.ID] })
	return s, nil
}

// readLocal reads local()'s `if COND { Skip(fmt.Sprintf(FORMAT, ARGS...)) }`.
func (s *suite) readLocal(fset *token.FileSet, fn *ast.FuncDecl) error {
	for _, st := range fn.Body.List {
		ifs, ok := st.(*ast.IfStmt)
		if !ok {
			continue
		}
		rule := skipRule{Text: render(fset, ifs.Cond)}
		ast.Inspect(ifs.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, "fmt") && sel.Sel.Name == "Sprintf" && len(call.Args) > 0 {
				if lit, ok := call.Args[0].(*ast.BasicLit); ok {
					rule.Format, _ = strconv.Unquote(lit.Value)
				}
				return false
			}
			return true
		})
		if c, ok := s.platformCond(fset, ifs.Cond); ok {
			rule.Cond, rule.Text = c, c.Text
			s.GOOSSkip = rule
		} else if strings.Contains(rule.Text, "srv == nil") {
			s.AddrSkip = rule
		} else {
			return fmt.Errorf("session.local() skips when %s, which tools/platforms cannot evaluate; update it", rule.Text)
		}
	}
	return nil
}

// platformCond reads a platform condition: a runtime.GOOS comparison,
// onLinux, or !onLinux.
func (s *suite) platformCond(fset *token.FileSet, e ast.Expr) (goosCond, bool) {
	switch x := e.(type) {
	case *ast.Ident:
		if x.Name == "onLinux" {
			return s.OnLinux, true
		}
	case *ast.UnaryExpr:
		if x.Op == token.NOT && isIdent(x.X, "onLinux") {
			c := goosCond{Neq: !s.OnLinux.Neq, GOOS: s.OnLinux.GOOS}
			c.Text = fmt.Sprintf("runtime.GOOS %s %q", map[bool]string{true: "!=", false: "=="}[c.Neq], c.GOOS)
			return c, true
		}
	}
	return parseGOOSCond(fset, e)
}

func parseGOOSCond(fset *token.FileSet, e ast.Expr) (goosCond, bool) {
	be, ok := e.(*ast.BinaryExpr)
	if !ok || (be.Op != token.EQL && be.Op != token.NEQ) || render(fset, be.X) != "runtime.GOOS" {
		return goosCond{}, false
	}
	lit, ok := be.Y.(*ast.BasicLit)
	if !ok {
		return goosCond{}, false
	}
	v, _ := strconv.Unquote(lit.Value)
	return goosCond{Neq: be.Op == token.NEQ, GOOS: v, Text: render(fset, e)}, true
}

// scan walks a spec's body, and the session helpers it calls.
func (si *specInfo) scan(fset *token.FileSet, body ast.Node, methods map[string]*ast.FuncDecl, seen map[string]bool, direct bool) {
	ast.Inspect(body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.IfStmt:
			// if why := s.unseen(); why != "" { partly(...) } else { CHECKS }:
			// what the else branch checks needs a server the kit started,
			// on Linux; the spec then says what it left out.
			if (x.Init != nil && mentions(x.Init, "unseen")) || mentions(x.Cond, "unseen") {
				si.OnLinuxSrv = true
				if x.Else != nil {
					ast.Inspect(x.Else, func(n ast.Node) bool {
						if sel, ok := n.(*ast.SelectorExpr); ok && isIdent(sel.X, "s") && methods[sel.Sel.Name] != nil && !slices.Contains(si.OnLinux, "s."+sel.Sel.Name) {
							si.OnLinux = append(si.OnLinux, "s."+sel.Sel.Name)
						}
						return true
					})
				}
			}
			if mentions(x.Cond, "onLinux") {
				si.OnLinuxSrv = si.OnLinuxSrv || strings.Contains(render(fset, x.Cond), "srv")
				ast.Inspect(x.Body, func(n ast.Node) bool {
					if sel, ok := n.(*ast.SelectorExpr); ok && isIdent(sel.X, "s") && methods[sel.Sel.Name] != nil && !slices.Contains(si.OnLinux, "s."+sel.Sel.Name) {
						si.OnLinux = append(si.OnLinux, "s."+sel.Sel.Name)
					}
					return true
				})
			}
		case *ast.SelectorExpr:
			if x.Sel.Name == "Pending" {
				si.Pending = true
			}
			name := x.Sel.Name
			if fn := methods[name]; fn != nil && !seen[name] {
				seen[name] = true
				if name == "local" {
					si.Local = true
				} else {
					si.scan(fset, fn.Body, methods, seen, false)
				}
			}
		case *ast.CallExpr:
			if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "local" && direct && len(x.Args) == 1 {
				if lit, ok := x.Args[0].(*ast.BasicLit); ok {
					si.LocalWhat, _ = strconv.Unquote(lit.Value)
				}
			}
		case *ast.Ident:
			if x.Name == "onLinux" && len(si.OnLinux) == 0 {
				si.OnLinux = append(si.OnLinux, "(a check)")
			}
		}
		return true
	})
}

// outcome is what happens to one spec on one platform: its state, the
// rule that decides it (the same for every spec it applies to), and what
// the spec adds to it.
type outcome struct {
	State string // runs, partly, skipped, fails
	Rule  string
	What  string
}

// onStarted is what happens to a spec on a server the kit starts on f.P.
func (s *suite) onStarted(si specInfo, f facts) outcome {
	switch {
	case !f.StartsServers:
		return outcome{"fails", "no server starts: " + f.NoStart, ""}
	case si.Local && s.GOOSSkip.Cond.holds(f.P.OS):
		return outcome{"skipped", fmt.Sprintf("`session.local()` skips it when `%s`, saying %q", s.GOOSSkip.Text, s.GOOSSkip.Format), si.LocalWhat}
	case si.Pending && !f.PendingOK:
		return outcome{"fails", "it waits on `probe.Conn.Pending`, which here returns " + strconv.Quote(f.PendingNo), ""}
	case len(si.OnLinux) > 0 && !s.OnLinux.holds(f.P.OS):
		return outcome{"partly", fmt.Sprintf("what it checks under `onLinux` (`%s`) is left out", s.OnLinux.Text), strings.Join(si.OnLinux, ", ")}
	}
	return outcome{State: "runs"}
}

// onAddr is what happens to a spec on an --addr server, tested from f.P.
func (s *suite) onAddr(si specInfo, f facts) outcome {
	switch {
	case si.Local:
		return outcome{"skipped", fmt.Sprintf("`session.local()` skips it when `%s`, saying %q", s.AddrSkip.Text, s.AddrSkip.Format), si.LocalWhat}
	case si.Pending && !f.PendingOK:
		return outcome{"fails", "it waits on `probe.Conn.Pending`, which here returns " + strconv.Quote(f.PendingNo), ""}
	case len(si.OnLinux) > 0 && si.OnLinuxSrv:
		return outcome{"partly", "what it checks only for a server the kit started, on Linux, is left out", strings.Join(si.OnLinux, ", ")}
	case len(si.OnLinux) > 0 && !s.OnLinux.holds(f.P.OS):
		return outcome{"partly", fmt.Sprintf("what it checks under `onLinux` (`%s`) is left out", s.OnLinux.Text), strings.Join(si.OnLinux, ", ")}
	}
	return outcome{State: "runs"}
}
