package workflows_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/boxoffice/boxoffice"

// workflowArgument is, for each call that names a workflow to run, which argument names it.
var workflowArgument = map[string]int{
	"NewContinueAsNewError":   1, // (ctx, workflow, args...)
	"ExecuteChildWorkflow":    1, // (ctx, workflow, args...)
	"ExecuteWorkflow":         2, // client: (ctx, options, workflow, args...)
	"SignalWithStartWorkflow": 4,
}

// No production code names a workflow to run by its function: the SDK turns a function into
// the name of whichever registered function has the same short name, and every workflow
// package calls its function Workflow. Continuing as new with the function made admission and
// cancellation continue as the sweep; this keeps the whole class out, not just those two.
func TestWorkflowsToRunAreNamedByTheirRegisteredNames(t *testing.T) {
	root := filepath.Join("..")
	fset := token.NewFileSet()
	files := map[string][]*ast.File{} // by import path
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && p != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		pkg := path.Join(module, filepath.ToSlash(rel))
		files[pkg] = append(files[pkg], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]map[string]bool{} // top-level functions by import path
	for pkg, fs := range files {
		funcs[pkg] = map[string]bool{}
		for _, f := range fs {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
					funcs[pkg][fd.Name.Name] = true
				}
			}
		}
	}
	calls := 0
	for pkg, fs := range files {
		for _, f := range fs {
			imports := importsOf(f)
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				i, named := workflowArgument[sel.Sel.Name]
				if !named || len(call.Args) <= i {
					return true
				}
				calls++
				if fn := functionNamed(call.Args[i], pkg, imports, funcs); fn != "" {
					t.Errorf("%s: %s is given the function %s; give it the workflow's registered name constant (e.g. admission.WorkflowName)",
						fset.Position(call.Pos()), sel.Sel.Name, fn)
				}
				return true
			})
		}
	}
	if calls < 5 {
		t.Fatalf("found %d calls that name a workflow to run; the scan is broken", calls)
	}
}

// importsOf maps a file's import names to their paths.
func importsOf(f *ast.File) map[string]string {
	m := map[string]string{}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		m[name] = p
	}
	return m
}

// functionNamed says which function arg is, if it is one: a function literal, or a top-level
// function of this repository.
func functionNamed(arg ast.Expr, pkg string, imports map[string]string, funcs map[string]map[string]bool) string {
	switch a := arg.(type) {
	case *ast.FuncLit:
		return "literal"
	case *ast.Ident:
		if funcs[pkg][a.Name] {
			return a.Name
		}
	case *ast.SelectorExpr:
		if x, ok := a.X.(*ast.Ident); ok && funcs[imports[x.Name]][a.Sel.Name] {
			return x.Name + "." + a.Sel.Name
		}
	}
	return ""
}
