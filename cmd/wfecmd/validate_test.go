package wfecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runWFE runs the command line args and returns exit code, stdout, stderr.
func runWFE(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := Execute(context.Background(), root, env, args)
	return code, out.String(), errb.String()
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.xml")
	if err := os.WriteFile(good, []byte(helloWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runWFE(t, "workflow", "validate", good)
	if code != 0 || out != good+": OK\n" || errOut != "" {
		t.Fatalf("good: code %d out %q err %q", code, out, errOut)
	}

	bad := "../../testdata/workflows/broken/compile-expression.xml"
	golden, err := os.ReadFile("../../testdata/workflows/broken/compile-expression.golden")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runWFE(t, "workflow", "validate", good, bad)
	if code != 1 || out != good+": OK\n" {
		t.Fatalf("bad: code %d out %q", code, out)
	}
	want := strings.ReplaceAll(string(golden), "testdata/workflows/broken/", "../../testdata/workflows/broken/")
	if errOut != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", errOut, want)
	}

	code, _, errOut = runWFE(t, "workflow", "validate", filepath.Join(dir, "missing.xml"))
	if code != 1 || !strings.Contains(errOut, "missing.xml") {
		t.Errorf("missing file: code %d err %q", code, errOut)
	}
	if code, _, _ = runWFE(t, "workflow", "validate"); code != 2 {
		t.Errorf("no args: code %d, want 2", code)
	}
}

func TestValidateSeedNeedsMailActions(t *testing.T) {
	seed := "../../testdata/workflows/ImportMails.xml"
	code, out, errOut := runWFE(t, "workflow", "validate", seed)
	reg := builtinRegistry(Deps{})
	if _, err := reg.Action("ImportMailsAction"); err == nil {
		// the mail actions are registered: the example workflow must validate
		if code != 0 || out != seed+": OK\n" {
			t.Fatalf("code %d out %q err %q", code, out, errOut)
		}
		return
	}
	if code != 1 || !strings.Contains(errOut, seed+`:10:1: unknown action "ImportMailsAction"`) {
		t.Fatalf("code %d err %q", code, errOut)
	}
}

func TestActionsCommand(t *testing.T) {
	code, out, errOut := runWFE(t, "actions")
	if code != 0 || errOut != "" {
		t.Fatalf("code %d err %q", code, errOut)
	}
	for _, want := range []string{
		"action LogAction\n",
		"    Message (java.lang.String, required): ",
		"action SetContextAction\n",
		"condition WFConditionIsNotNull\n",
		"    WFConditionNull.IN_VALUE (any, required): ",
		"    WFConditionEquals.VALUE (java.lang.String, required): ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runWFE(t, "actions", "--json")
	if code != 0 {
		t.Fatalf("--json: code %d", code)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	byName := map[string]map[string]any{}
	for _, d := range list {
		byName[d["name"].(string)] = d
	}
	log := byName["LogAction"]
	if log == nil || log["kind"] != "action" {
		t.Fatalf("LogAction missing: %v", byName)
	}
	p := log["params"].([]any)[0].(map[string]any)
	if p["name"] != "Message" || p["type"] != "java.lang.String" || p["required"] != true || p["secret"] != false {
		t.Errorf("LogAction param %v", p)
	}
	if c := byName["WFConditionExpression"]; c == nil || c["kind"] != "condition" || c["any_inputs"] != true || c["check_values"] == nil {
		t.Errorf("expression condition %v", c)
	}
	if code, _, _ = runWFE(t, "actions", "extra"); code != 2 {
		t.Errorf("extra arg: code %d, want 2", code)
	}
}

// Three independent mistakes give exactly three lines, one per mistake,
// each with file:line:col: no cascades from the schema layer into the
// compiler.
func TestValidateThreeMistakesThreeLines(t *testing.T) {
	file := filepath.Join("..", "..", "testdata", "workflows", "broken", "schema-three-mistakes.xml")
	code, out, errOut := runWFE(t, "workflow", "validate", file)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 diagnostics, got %d:\n%s", len(lines), errOut)
	}
	for _, want := range []string{":7:1: <Action> is missing required attribute Name", ":16:5: ", ":24:13: unknown attribute Nmae"} {
		if !strings.Contains(errOut, file+want) {
			t.Errorf("missing %q in:\n%s", file+want, errOut)
		}
	}
}
