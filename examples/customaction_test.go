package examples

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestCustomActionModule copies examples/customaction out of the
// repository, points its replace directive back at this checkout, builds
// its wfe and checks that the example's action is listed, validated (with a
// "did you mean" for a misspelling) and run, without any repository file
// changed.
func TestCustomActionModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module (skipped with -short)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := copyExample(t, filepath.Join(root, "examples", "customaction"))
	pointReplaceAt(t, filepath.Join(dir, "go.mod"), root)
	bin := filepath.Join(dir, "wfe")
	goCmd(t, dir, "build", "-o", bin, ".")

	w := wfeIn{t: t, bin: bin, db: filepath.Join(t.TempDir(), "wfe.db")}
	if out := w.ok("actions"); !strings.Contains(out, "ClassifySubjectAction") {
		t.Fatalf("wfe actions does not list the example's action:\n%s", out)
	}
	wf := filepath.Join(dir, "classify.xml")
	w.ok("workflow", "validate", wf)

	typo := filepath.Join(t.TempDir(), "typo.xml")
	data, err := os.ReadFile(wf)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), `Action Name="ClassifySubjectAction"`, `Action Name="ClassifySubjektAction"`, 1)
	if err := os.WriteFile(typo, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := w.run("workflow", "validate", typo)
	if code != 1 || !strings.Contains(out, `did you mean "ClassifySubjectAction"`) {
		t.Fatalf("misspelt action: exit %d, want 1 with a did-you-mean:\n%s", code, out)
	}

	w.runWorkflow(wf)
}

// runWorkflow imports the example workflow and runs it as a new employee;
// the run record must hold the category the action found.
func (w wfeIn) runWorkflow(wf string) {
	w.t.Helper()
	w.ok("init")
	w.ok("employee", "add", "demo", "--email", "demo@example.com")
	w.ok("workflow", "import", "--activate", wf)
	out := w.ok("run", "ClassifyDemo", "--as", "demo")
	if !strings.Contains(out, "category: Complaint") {
		w.t.Fatalf("run output lacks the action's category:\n%s", out)
	}
}

type wfeIn struct {
	t   *testing.T
	bin string
	db  string
}

func (w wfeIn) run(args ...string) (string, int) {
	w.t.Helper()
	cmd := exec.Command(w.bin, append([]string{"--db", w.db}, args...)...)
	cmd.Env = append(os.Environ(), "WFE_SECRET_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	out, err := cmd.CombinedOutput()
	if err == nil {
		return string(out), 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	w.t.Fatalf("wfe %s: %v", strings.Join(args, " "), err)
	return "", -1
}

func (w wfeIn) ok(args ...string) string {
	w.t.Helper()
	out, code := w.run(args...)
	if code != 0 {
		w.t.Fatalf("wfe %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

func copyExample(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func pointReplaceAt(t *testing.T, gomod, root string) {
	t.Helper()
	data, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), "=> ../..", "=> "+root, 1)
	if s == string(data) {
		t.Fatalf("%s has no replace directive pointing at ../..", gomod)
	}
	if err := os.WriteFile(gomod, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s in %s: %v\n%s\n(when wfe's own requirements changed, run 'go mod tidy' in examples/customaction)",
			strings.Join(args, " "), dir, err, out)
	}
}
