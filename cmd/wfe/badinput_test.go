package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A batch with a broken, an empty, a missing file and a directory among a
// good one: every problem is printed, as FILE:LINE:COL where there is a
// position, and nothing is stored.
func TestWorkflowImportBadFilesStoreNothing(t *testing.T) {
	c := newStoreCLI(t)
	dir := t.TempDir()
	orig, err := os.ReadFile("../../testdata/workflows/ImportMails.xml")
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.xml")
	broken := filepath.Join(dir, "broken.xml")
	empty := filepath.Join(dir, "empty.xml")
	sub := filepath.Join(dir, "dir.xml")
	missing := filepath.Join(dir, "missing.xml")
	mustWrite(t, good, strings.Replace(string(orig), `WorkFlowID="ImportMails"`, `WorkFlowID="Mine"`, 1))
	mustWrite(t, broken, "<WorkFlowMapping WorkFlowID=\"x\">\n<Step No=\"1\">\n</WorkFlowMapping>\n")
	mustWrite(t, empty, "")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}

	out, errs, code := c.run("workflow", "import", good, broken, empty, sub, missing)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errs)
	}
	for _, want := range []string{
		broken + ":3:19: XML syntax error",
		empty + ":1:1: document has no root element",
		sub + ": cannot read: is a directory",
		missing + ": cannot open: no such file or directory",
		"nothing was imported: 4 file(s) have problems",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, good) || out != "" {
		t.Errorf("the good file is reported or something was printed on stdout:\nstdout: %s\nstderr: %s", out, errs)
	}
	if list := c.ok("workflow", "list"); strings.Contains(list, "Mine") {
		t.Fatalf("a workflow was stored although the batch had problems:\n%s", list)
	}
	// alone, the good file imports
	if out := c.ok("workflow", "import", good); !strings.Contains(out, "created Mine version 1") {
		t.Fatalf("good file alone: %s", out)
	}
}

func mustWrite(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
