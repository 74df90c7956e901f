package detail

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/echospec/echospec/props"
)

// TestTheSuitesSentences reads the suite's sources (spec/*_test.go) and
// renders every sentence a failure can hold — the format of each
// fmt.Sprintf, fmt.Errorf, fail, must, await and partly — with sample
// values, and
// fails on any that Failure leaves with English in it: a sentence added
// to the suite without its translation here fails this test, not a
// student. The names of steps (By, a stage: props' table), payloads and
// skip reasons (tested apart) are no failure's text; nor are the suite's
// own flag errors (suite_test.go, lang_test.go), which check and grade
// never provoke.
func TestTheSuitesSentences(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "spec", "*_test.go"))
	if err != nil || len(files) < 10 {
		t.Fatalf("the suite's files: %d, %v", len(files), err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		switch filepath.Base(f) {
		case "suite_test.go", "lang_test.go":
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		notFailures := map[*ast.CallExpr]bool{}
		ast.Inspect(af, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			name := callName(c)
			switch name {
			case "By", "[]byte", "prepare", "stage", "Skip", "Echo", "echo", "expectQuiet", "aliveAfter", "local", "Describe", "Context", "It", "Label":
				for _, a := range c.Args {
					ast.Inspect(a, func(m ast.Node) bool {
						if cc, ok := m.(*ast.CallExpr); ok {
							notFailures[cc] = true
						}
						return true
					})
				}
				return true
			}
			if notFailures[c] {
				return true
			}
			// The argument that holds a failure's text, per call; partly's
			// two (what was left out, and why) end in grade's outputs.
			args := map[string][]int{"Sprintf": {0}, "Errorf": {0}, "fail": {0}, "New": {0}, "must": {1}, "await": {2}, "partly": {0, 1}}[name]
			for _, i := range args {
				if len(c.Args) <= i {
					continue
				}
				lit, ok := c.Args[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				format, err := strconv.Unquote(lit.Value)
				if err != nil {
					continue
				}
				checked++
				zh := Failure(sample(format), props.Zh)
				if e := English(zh); e != "" {
					t.Errorf("%s: %q: English left (%q) in\n%s", fset.Position(lit.Pos()), format, e, zh)
				}
			}
			return true
		})
	}
	if checked < 100 {
		t.Errorf("checked %d sentences of the suite; the calls that make them have been renamed?", checked)
	}
}

// callName is the name a call is made by: fail, fmt.Sprintf's Sprintf,
// []byte for a conversion.
func callName(c *ast.CallExpr) string {
	switch fn := c.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		return fn.Sel.Name
	case *ast.ArrayType:
		return "[]byte"
	}
	return ""
}

var verb = regexp.MustCompile(`%%|%[-+# 0-9.]*[a-zA-Z]`)

// sample fills a format's verbs with values of their kind.
func sample(format string) string {
	return verb.ReplaceAllStringFunc(format, func(v string) string {
		if v == "%%" {
			return "%"
		}
		switch v[len(v)-1] {
		case 'd':
			return "3"
		case 'v':
			return "5s"
		case 'q':
			return `"x"`
		case 'x':
			return "0x8"
		case 'f':
			return "2.5"
		}
		return "X"
	})
}
