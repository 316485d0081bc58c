package wfecmd

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// goTool returns the go command, or skips the test when there is none.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to inspect the wfe binary with")
	}
	return p
}

// The shipped binary holds no test code: neither package testing nor
// net/http/httptest is among its dependencies (the demo's servers come
// from mailbox/mailserver, not from the test helpers).
func TestBinaryHoldsNoTestCode(t *testing.T) {
	out, err := exec.Command(goTool(t), "list", "-deps", "github.com/wfehq/wfe/cmd/wfe").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 || !slices.Contains(deps, "github.com/wfehq/wfe/cmd/wfecmd") {
		t.Fatalf("go list -deps gave an implausible list (%d packages):\n%s", len(deps), out)
	}
	for _, d := range deps {
		if d == "testing" || d == "net/http/httptest" || strings.HasPrefix(d, "testing/") || strings.HasSuffix(d, "/mailtest") {
			t.Errorf("the wfe binary depends on test code: %s", d)
		}
	}
}

// The binary builds for Windows and macOS as well.
func TestBinaryCrossBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: cross-building wfe for windows and darwin takes a while")
	}
	goCmd := goTool(t)
	for _, goos := range []string{"windows", "darwin"} {
		t.Run(goos, func(t *testing.T) {
			cmd := exec.Command(goCmd, "build", "-o", filepath.Join(t.TempDir(), "wfe"), "github.com/wfehq/wfe/cmd/wfe")
			cmd.Env = append(cmd.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("GOOS=%s go build ./cmd/wfe: %v\n%s", goos, err, out)
			}
		})
	}
}
