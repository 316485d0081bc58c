package wfecmd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := Execute(context.Background(), root, env, []string{"demo", "--wide"}); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"INBOX         12 unseen sample mails",
		"of ImportMails as demo: ok",
		"12 unseen, 12 imported",
		"Activities created (12):",
		"[Ticket#2024-00042] Druckerproblem",
		"p.schmidt@lieferant-schmidt.example",
		"CRM/Aktivitäten       12 mail(s)",
		"INBOX                  0 mail(s) (empty",
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %q in:\n%s", want, got)
		}
	}
	// the throw-away database is gone
	m := regexp.MustCompile(`database +(\S+)`).FindStringSubmatch(got)
	if m == nil || !strings.HasPrefix(m[1], tmp) {
		t.Fatalf("no database line under %s:\n%s", tmp, got)
	}
	if _, err := os.Stat(filepath.Dir(m[1])); !os.IsNotExist(err) {
		t.Fatalf("demo directory %s still exists (%v)", filepath.Dir(m[1]), err)
	}
}

func TestDemoKeep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	var out bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	if code := Execute(context.Background(), root, env, []string{"demo", "--keep", dir}); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	c := &storeCLI{t: t, db: filepath.Join(dir, "wfe.db"), env: map[string]string{}}
	if acts := c.ok("activity", "list", "--wide"); strings.Count(acts, "EMAILEINGANG") != 12 {
		t.Fatalf("kept database:\n%s", acts)
	}
	if _, errs, code := c.run("demo", "--keep", dir); code != 1 || !strings.Contains(errs, "already holds a wfe.db") {
		t.Fatalf("second demo into the same directory: exit %d %s", code, errs)
	}
}

// demoDirs lists the demo directories left in dir.
func demoDirs(t *testing.T, dir string) []string {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(dir, "wfe-demo-*"))
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// A demo whose output pipe has no reader stops quietly (exit 0, nothing on
// stderr: the reader wanted no more) and removes its directory; any other
// write error stops it with exit 1 and says so.
func TestDemoClosedPipeLeavesNothing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()
	var errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: w, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := Execute(context.Background(), root, env, []string{"demo"}); code != 0 || errb.Len() != 0 {
		t.Fatalf("demo into a closed pipe: exit %d, stderr %q; want 0 and nothing", code, errb.String())
	}
	if left := demoDirs(t, tmp); len(left) != 0 {
		t.Fatalf("the demo left %v", left)
	}
	errb.Reset()
	env.Stdout = failingWriter{}
	if code := Execute(context.Background(), root, env, []string{"demo"}); code != 1 || !strings.Contains(errb.String(), "its output cannot be written: no space left") {
		t.Fatalf("demo into a failing writer: exit %d, stderr %q", code, errb.String())
	}
	if left := demoDirs(t, tmp); len(left) != 0 {
		t.Fatalf("the demo left %v", left)
	}
}

// failingWriter fails every write as a full disk would.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// `wfe demo | head -1`: the process reads one line and closes the pipe;
// the binary must not die of SIGPIPE before it removes its directory.
func TestDemoHeadLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the wfe binary")
	}
	bin := filepath.Join(t.TempDir(), "wfe")
	if out, err := exec.Command(goTool(t), "build", "-o", bin, "github.com/wfehq/wfe/cmd/wfe").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tmp := t.TempDir()
	cmd := exec.Command(bin, "demo")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "database") {
		t.Fatalf("first line %q: %v", line, err)
	}
	stdout.Close() // as head does after one line
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) && !exit.Exited() {
		t.Fatalf("wfe demo was killed by a signal: %v", err)
	}
	if err != nil || stderr.Len() != 0 {
		t.Fatalf("wfe demo | head -1: %v, stderr %q; want status 0 and nothing on stderr", err, stderr.String())
	}
	if left := demoDirs(t, tmp); len(left) != 0 {
		t.Fatalf("wfe demo | head -1 left %v", left)
	}
}
