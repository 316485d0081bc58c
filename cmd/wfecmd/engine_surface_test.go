package wfecmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/engine"
)

// `wfe run --dry-run` says DryRun=true in its header, and the import
// action's own DryRun parameter is true in the record.
func TestRunDryRunShowsDryRun(t *testing.T) {
	c := newStoreCLI(t)
	c.ok("employee", "add", "alice", "--email", "alice@firma.example")
	// The shipped ImportMails workflow fails here (no mail configuration
	// 123), which still prints the record.
	out, _, _ := c.run("run", "ImportMails", "--dry-run")
	header, _, _ := strings.Cut(out, "\n")
	if !strings.Contains(header, "of ImportMails as alice DryRun=true:") {
		t.Errorf("header %q lacks DryRun=true", header)
	}
	if !strings.Contains(out, `DryRun="true"`) {
		t.Errorf("the action's DryRun parameter is not true:\n%s", out)
	}
}

// `wfe workflow validate` prints a ${Name} nothing sets as a warning with
// its line, and the file is still OK.
func TestValidateWarnsAboutUnsetVariables(t *testing.T) {
	f := filepath.Join(t.TempDir(), "hello.xml")
	xml := strings.Replace(helloWorkflow, "hello from the timer", "hello ${Nmae}", 1)
	if err := os.WriteFile(f, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runWFE(t, "workflow", "validate", f)
	if code != 0 || out != f+": OK\n" {
		t.Fatalf("code %d out %q err %q", code, out, errOut)
	}
	want := f + `:12:68: warning: ${Nmae} in parameter Message of LogAction: no step or event of the workflow sets context variable "Nmae"`
	if !strings.HasPrefix(errOut, want) {
		t.Errorf("stderr %q\nwant it to start with %q", errOut, want)
	}
}

// An extension whose action has a bad spec stops the command with a
// message naming the action; a good one is listed by `wfe actions`.
func TestExtensionRegistration(t *testing.T) {
	run := func(ext Extension) (int, string, string) {
		var out, errb bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
			Extensions: []Extension{ext}}
		code := Execute(context.Background(), root, env, []string{"actions"})
		return code, out.String(), errb.String()
	}
	greet := func(params ...engine.Param) Extension {
		return func(reg *engine.Registry, _ Deps) error {
			return reg.AddAction(engine.ActionFunc{S: engine.ActionSpec{Name: "GreetAction", Params: params},
				F: func(context.Context, *engine.Call) error { return nil }})
		}
	}
	code, _, errOut := run(greet(engine.Param{Name: "Who"}))
	if code != 1 || !strings.Contains(errOut, `action "GreetAction": parameter "Who" has no data type`) {
		t.Errorf("bad spec: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut := run(greet(engine.Param{Name: "Who", Type: engine.TypeString}))
	if code != 0 || !strings.Contains(out, "GreetAction") {
		t.Errorf("good spec: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = run(func(reg *engine.Registry, _ Deps) error {
		return reg.AddAction(engine.ActionFunc{S: engine.ActionSpec{Name: "LogAction"}})
	})
	if code != 1 || !strings.Contains(errOut, `action "LogAction": an action of this name is already registered`) {
		t.Errorf("duplicate of a built-in: exit %d, stderr %q", code, errOut)
	}
}
