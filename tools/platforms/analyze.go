package main

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/tools/ports/portinfo"
)

// facts is what one platform compiles, read from `go list` and from the
// files it lists for that platform.
type facts struct {
	P portinfo.Platform

	// launch
	LaunchFile    string            // the platform file of package launch: launch_linux.go
	StartsServers bool              // launch.Platform.Unsupported is ""
	NoStart       string            // otherwise, that text
	LaunchDocs    map[string]string // prepare, listening, ... → its launch.Facts text
	LaunchFacts   []string          // those names, in launch.Facts's order
	NetnsDoc      string            // netns.New's doc comment there

	// procfs
	ProcFiles  []string // compiled platform files of procfs
	ProcOK     bool     // Group does not return ErrUnsupported
	ProcNo     string   // otherwise, ErrUnsupported's text
	SysFile    string   // the syscalls_*.go compiled there
	Waits      []named  // mechanism → "epoll_pwait (22), ..."
	Reads      string   // "read (63), ..."
	PendingOK  bool     // probe's Conn.Pending does not just return an error
	PendingNo  string   // otherwise, its error text
	ProbeFiles []string // compiled platform files of probe

	// the reference servers
	Mechanisms    []string // impl/multiplex, in file order
	DefaultMech   string
	MultiplexStub string
	Backends      []string // impl/selector, in order of preference
	SelectorFile  string   // the file defining the preference list
	Servers       []server // one per reference target
	Commands      map[string]string
}

type named struct{ Name, Value string }

// server is one reference target of fixtures/targets on a platform.
type server struct {
	Target, Model, Impl, Mechanism string
	Pool                           int
	State                          string // "runs", "stub", "n/a", "fails to start"
	Why                            string
}

// analyze reads the facts of every platform.
func analyze(ctx context.Context, root string, views map[portinfo.Platform]portinfo.View) ([]facts, error) {
	refs, err := manifest.Discover(filepath.Join(root, "fixtures", "targets"))
	if err != nil {
		return nil, err
	}
	var out []facts
	for _, p := range portinfo.Platforms {
		v := views[p]
		f := facts{P: p, LaunchDocs: map[string]string{}, Commands: map[string]string{}}
		if pkg := v["netns"]; pkg != nil && !pkg.Excluded() {
			if _, files, err := portinfo.ParseFiles(pkg); err == nil {
				for _, file := range files {
					for _, fn := range funcs(file) {
						if fn.Name.Name == "New" && fn.Recv == nil && fn.Doc != nil {
							f.NetnsDoc = oneLine(fn.Doc.Text())
						}
					}
				}
			}
		}
		if err := f.launch(v["launch"]); err != nil {
			return nil, err
		}
		if err := f.procfs(ctx, root, v["procfs"]); err != nil {
			return nil, err
		}
		if err := f.probe(v["probe"]); err != nil {
			return nil, err
		}
		if err := f.multiplex(v["impl/multiplex"]); err != nil {
			return nil, err
		}
		if err := f.selector(v["impl/selector"]); err != nil {
			return nil, err
		}
		if err := f.servers(v, refs); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// platformFiles are the compiled files whose names say they are for some
// platforms: a _GOOS or _GOARCH suffix, or a //go:build line.
func platformFiles(pkg *portinfo.Package) []string {
	var out []string
	for _, name := range pkg.GoFiles {
		cs := portinfo.Constraints(&portinfo.Package{Dir: pkg.Dir, GoFiles: []string{name}})
		if strings.Contains(name, "_") || (len(cs) == 1 && cs[0] != "(none)") {
			out = append(out, name)
		}
	}
	return out
}

func need(pkg *portinfo.Package, rel string) (*token.FileSet, []*ast.File, error) {
	if pkg == nil || pkg.Excluded() {
		return nil, nil, fmt.Errorf("package %s has nothing to compile", rel)
	}
	return portinfo.ParseFiles(pkg)
}

func (f *facts) launch(pkg *portinfo.Package) error {
	_, files, err := need(pkg, "launch")
	if err != nil {
		return fmt.Errorf("%s: %w", f.P, err)
	}
	// The fields of launch.Facts, in order, and the values of that type
	// the platform's files declare (Platform, LimitFacts, ...).
	var fields []string
	for _, file := range files {
		if st := structType(file, "Facts"); st != nil {
			for _, fl := range st.Fields.List {
				for _, n := range fl.Names {
					fields = append(fields, n.Name)
				}
			}
		}
	}
	if len(fields) == 0 {
		return fmt.Errorf("%s: package launch has no Facts type; update tools/platforms", f.P)
	}
	set := map[string]string{}
	for i, name := range pkg.GoFiles {
		for varName, val := range varValues(files[i]) {
			cl, ok := val.(*ast.CompositeLit)
			if !ok || !isIdent(cl.Type, "Facts") {
				continue
			}
			if varName == "Platform" {
				f.LaunchFile = name
			}
			for _, elt := range cl.Elts {
				kv, ok := elt.(*ast.KeyValueExpr)
				if !ok {
					return fmt.Errorf("%s: %s: launch.%s is not written field: \"text\"; update tools/platforms", f.P, name, varName)
				}
				key, ok := kv.Key.(*ast.Ident)
				if !ok {
					return fmt.Errorf("%s: %s: launch.%s is not written field: \"text\"; update tools/platforms", f.P, name, varName)
				}
				text, ok := stringConst(kv.Value)
				if !ok {
					return fmt.Errorf("%s: %s: launch.%s.%s is not a string constant; update tools/platforms", f.P, name, varName, key.Name)
				}
				if _, dup := set[key.Name]; dup {
					return fmt.Errorf("%s: launch's Facts.%s is declared twice (%s has another)", f.P, key.Name, name)
				}
				set[key.Name] = text
			}
		}
	}
	if f.LaunchFile == "" {
		return fmt.Errorf("%s: package launch declares no Platform facts; update tools/platforms", f.P)
	}
	f.NoStart = set["Unsupported"]
	f.StartsServers = f.NoStart == ""
	for _, fl := range fields {
		if fl == "Unsupported" {
			continue
		}
		label := strings.ToLower(fl[:1]) + fl[1:] // the function the fact is about
		f.LaunchFacts = append(f.LaunchFacts, label)
		if t := set[fl]; t != "" {
			f.LaunchDocs[label] = oneLine(t)
		}
	}
	return nil
}

func (f *facts) procfs(ctx context.Context, root string, pkg *portinfo.Package) error {
	_, files, err := need(pkg, "procfs")
	if err != nil {
		return fmt.Errorf("%s: %w", f.P, err)
	}
	f.ProcFiles = platformFiles(pkg)
	f.ProcOK = true
	var waits, reads ast.Expr
	for i, name := range pkg.GoFiles {
		if strings.HasPrefix(name, "syscalls_") {
			f.SysFile = name
		}
		for _, fn := range funcs(files[i]) {
			if fn.Name.Name == "Group" && fn.Recv == nil && mentions(fn.Body, "ErrUnsupported") {
				f.ProcOK = false
				f.ProcNo = errorText(files, "ErrUnsupported")
			}
		}
		for name, val := range varValues(files[i]) {
			switch name {
			case "waits":
				waits = val
			case "reads":
				reads = val
			}
		}
	}
	nums, err := syscallNumbers(ctx, root, f.P)
	if err != nil {
		return err
	}
	if cl, ok := waits.(*ast.CompositeLit); ok {
		for _, elt := range cl.Elts {
			kv := elt.(*ast.KeyValueExpr)
			mech, _ := strconv.Unquote(kv.Key.(*ast.BasicLit).Value)
			f.Waits = append(f.Waits, named{mech, syscallList(kv.Value, nums)})
		}
	}
	f.Reads = syscallList(reads, nums)
	return nil
}

// syscallList renders []Syscall{{"read", unix.SYS_READ}, ...} with the
// numbers of the platform: "read (63), recvfrom (207)".
func syscallList(e ast.Expr, nums map[string]string) string {
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return ""
	}
	var out []string
	for _, elt := range cl.Elts {
		pair, ok := elt.(*ast.CompositeLit)
		if !ok || len(pair.Elts) != 2 {
			continue
		}
		name, _ := strconv.Unquote(pair.Elts[0].(*ast.BasicLit).Value)
		nr := "?"
		if sel, ok := pair.Elts[1].(*ast.SelectorExpr); ok {
			if n, ok := nums[sel.Sel.Name]; ok {
				nr = n
			}
		}
		out = append(out, fmt.Sprintf("%s (%s)", name, nr))
	}
	return strings.Join(out, ", ")
}

// syscallNumbers reads SYS_* constants from golang.org/x/sys/unix's
// zsysnum file for the platform.
func syscallNumbers(ctx context.Context, root string, p portinfo.Platform) (map[string]string, error) {
	pkgs, err := portinfo.List(ctx, root, p, "golang.org/x/sys/unix")
	if err != nil || len(pkgs) != 1 {
		return nil, fmt.Errorf("%s: listing golang.org/x/sys/unix: %v", p, err)
	}
	nums := map[string]string{}
	if pkgs[0].Excluded() {
		return nums, nil
	}
	for _, name := range pkgs[0].GoFiles {
		if !strings.HasPrefix(name, "zsysnum_") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(pkgs[0].Dir, name), nil, 0)
		if err != nil {
			return nil, err
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
							nums[n.Name] = lit.Value
						}
					}
				}
			}
		}
	}
	return nums, nil
}

func (f *facts) probe(pkg *portinfo.Package) error {
	_, files, err := need(pkg, "probe")
	if err != nil {
		return fmt.Errorf("%s: %w", f.P, err)
	}
	f.ProbeFiles = platformFiles(pkg)
	for _, file := range files {
		for _, fn := range funcs(file) {
			if fn.Name.Name != "Pending" || fn.Recv == nil {
				continue
			}
			f.PendingOK = true
			if len(fn.Body.List) == 1 {
				if msg := errorsNew(fn.Body); msg != "" {
					f.PendingOK, f.PendingNo = false, msg
				}
			}
		}
	}
	return nil
}

func (f *facts) multiplex(pkg *portinfo.Package) error {
	if pkg == nil || pkg.Excluded() {
		f.MultiplexStub = "not built"
		return nil
	}
	msg, err := portinfo.StubMessage(pkg)
	if err != nil {
		return err
	}
	if msg != "" {
		f.MultiplexStub = msg
		return nil
	}
	_, files, err := portinfo.ParseFiles(pkg)
	if err != nil {
		return err
	}
	var order []string
	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			// mechanisms["epoll"] = runEpoll
			if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == 1 {
				if ix, ok := as.Lhs[0].(*ast.IndexExpr); ok && isIdent(ix.X, "mechanisms") {
					if lit, ok := ix.Index.(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(lit.Value)
						f.Mechanisms = append(f.Mechanisms, s)
					}
				}
			}
			// defaultMechanism: the first of a []string literal that is
			// compiled, else the literal it returns.
			if fn, ok := n.(*ast.FuncDecl); ok && fn.Name.Name == "defaultMechanism" {
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					switch x := n.(type) {
					case *ast.CompositeLit:
						for _, e := range x.Elts {
							if lit, ok := e.(*ast.BasicLit); ok {
								s, _ := strconv.Unquote(lit.Value)
								order = append(order, s)
							}
						}
						return false
					case *ast.ReturnStmt:
						if len(x.Results) == 1 {
							if lit, ok := x.Results[0].(*ast.BasicLit); ok {
								s, _ := strconv.Unquote(lit.Value)
								order = append(order, s)
							}
						}
					}
					return true
				})
			}
			return true
		})
	}
	slices.Sort(f.Mechanisms)
	for _, m := range order {
		if slices.Contains(f.Mechanisms, m) {
			f.DefaultMech = m
			break
		}
	}
	return nil
}

func (f *facts) selector(pkg *portinfo.Package) error {
	_, files, err := need(pkg, "impl/selector")
	if err != nil {
		return fmt.Errorf("%s: %w", f.P, err)
	}
	for i, file := range files {
		for name, val := range varValues(file) {
			if name != "platform" {
				continue
			}
			f.SelectorFile = pkg.GoFiles[i]
			if cl, ok := val.(*ast.CompositeLit); ok {
				for _, e := range cl.Elts {
					if pair, ok := e.(*ast.CompositeLit); ok && len(pair.Elts) > 0 {
						s, _ := strconv.Unquote(pair.Elts[0].(*ast.BasicLit).Value)
						f.Backends = append(f.Backends, s)
					}
				}
			}
		}
	}
	if f.SelectorFile == "" {
		return fmt.Errorf("%s: impl/selector defines no platform list; update tools/platforms", f.P)
	}
	return nil
}

// servers says, for each reference target, whether its server is built
// for real on the platform and can start there.
func (f *facts) servers(v portinfo.View, refs []*manifest.Target) error {
	for _, tg := range refs {
		s := server{Target: tg.Name, Model: tg.Model, Pool: tg.Pool, Mechanism: tg.Mechanism}
		for _, a := range tg.Build {
			if rel, ok := strings.CutPrefix(a, portinfo.Module+"/"); ok {
				s.Impl = rel
			}
		}
		pkg := v[s.Impl]
		switch {
		case s.Impl == "":
			s.State, s.Why = "n/a", "its build names no package of the kit"
		case pkg == nil || pkg.Excluded():
			s.State, s.Why = "n/a", portinfo.WhyExcluded(v[s.Impl])
		default:
			msg, err := portinfo.StubMessage(pkg)
			if err != nil {
				return err
			}
			switch {
			case msg != "":
				s.State, s.Why = "stub", fmt.Sprintf("%s compiles only %s: it prints %q", s.Impl, strings.Join(pkg.GoFiles, ", "), msg)
			case s.Impl == "impl/multiplex" && tg.Mechanism != "" && !slices.Contains(f.Mechanisms, tg.Mechanism):
				s.State, s.Why = "fails to start", fmt.Sprintf("its command asks for -mechanism %s, which impl/multiplex does not compile here (it has %s): the server exits at once", tg.Mechanism, strings.Join(f.Mechanisms, ", "))
			case !f.StartsServers:
				s.State, s.Why = "built, not started", "the kit cannot start servers here: "+f.NoStart
			default:
				s.State = "runs"
			}
		}
		f.Servers = append(f.Servers, s)
	}
	return nil
}

// ---- small AST helpers ----

// structType finds `type name struct{...}` in f.
func structType(f *ast.File, name string) *ast.StructType {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			if ts := s.(*ast.TypeSpec); ts.Name.Name == name {
				st, _ := ts.Type.(*ast.StructType)
				return st
			}
		}
	}
	return nil
}

// stringConst evaluates a string literal or a sum of them.
func stringConst(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			s, err := strconv.Unquote(x.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			a, ok1 := stringConst(x.X)
			b, ok2 := stringConst(x.Y)
			return a + b, ok1 && ok2
		}
	case *ast.ParenExpr:
		return stringConst(x.X)
	}
	return "", false
}

func funcs(f *ast.File) []*ast.FuncDecl {
	var out []*ast.FuncDecl
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
			out = append(out, fn)
		}
	}
	return out
}

// varValues maps each package-level var or const with one value to it.
func varValues(f *ast.File) map[string]ast.Expr {
	out := map[string]ast.Expr{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || (gd.Tok != token.VAR && gd.Tok != token.CONST) {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					out[n.Name] = vs.Values[i]
				} else {
					out[n.Name] = nil
				}
			}
		}
	}
	return out
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// errorText finds `var name = errors.New("...")` in files.
func errorText(files []*ast.File, name string) string {
	for _, f := range files {
		if e, ok := varValues(f)[name]; ok && e != nil {
			if msg := errorsNew(e); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// errorsNew returns the text of the first errors.New("...") under n.
func errorsNew(n ast.Node) string {
	msg := ""
	ast.Inspect(n, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || msg != "" {
			return msg == ""
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, "errors") && sel.Sel.Name == "New" && len(call.Args) == 1 {
			if lit, ok := call.Args[0].(*ast.BasicLit); ok {
				msg, _ = strconv.Unquote(lit.Value)
			}
		}
		return true
	})
	return msg
}

func mentions(n ast.Node, name string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if isIdent(asExpr(n), name) {
			found = true
		}
		return !found
	})
	return found
}

func asExpr(n ast.Node) ast.Expr {
	e, _ := n.(ast.Expr)
	return e
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func render(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, fset, n)
	return b.String()
}
