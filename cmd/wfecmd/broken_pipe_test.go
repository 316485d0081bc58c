package wfecmd

import (
	"bytes"
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
)

// closedPipe is standard output after its reader went away (wfe … | head).
type closedPipe struct{}

func (closedPipe) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

// A listing whose reader has gone ends quietly with status 0 instead of
// printing "broken pipe"; any other failure of the same command is still
// reported.
func TestListingIntoClosedPipeIsQuiet(t *testing.T) {
	c := newStoreCLI(t)
	c.ok("init")
	for _, args := range [][]string{{"workflow", "list"}, {"timer", "list"}, {"runs", "list"}} {
		var errb bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: closedPipe{}, Stderr: &errb,
			Getenv: func(k string) string { return c.env[k] }}
		code := Execute(context.Background(), root, env, append([]string{"--db", c.db}, args...))
		if code != 0 || errb.Len() != 0 {
			t.Errorf("wfe %v into a closed pipe: exit %d, stderr %q; want 0 and nothing", args, code, errb.String())
		}
	}
	if _, errs, code := c.run("runs", "show", "nosuchrun"); code == 0 || errs == "" {
		t.Errorf("a failing command next to the quiet ones: exit %d, stderr %q", code, errs)
	}
}
