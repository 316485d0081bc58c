package wfecmd

import (
	"strings"
	"testing"
)

// Every command and group answers --help with exit 0 on stdout, and wrong
// usage exits 2 with a hint on stderr.
func TestHelpEverywhere(t *testing.T) {
	var walk func(c *Command, words []string)
	walk = func(c *Command, words []string) {
		for _, s := range c.Subs {
			args := append(append([]string{}, words...), s.Name, "--help")
			code, out, errOut := runWFE(t, args...)
			if code != 0 || !strings.Contains(out, "Usage") {
				t.Errorf("wfe %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errOut)
			}
			walk(s, append(append([]string{}, words...), s.Name))
		}
	}
	walk(root, nil)

	code, _, errOut := runWFE(t, "workflow", "valdate")
	if code != 2 || !strings.Contains(errOut, `did you mean "validate"`) {
		t.Errorf("unknown sub-command: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runWFE(t, "workflow", "validate", "--no-such-flag")
	if code != 2 || !strings.Contains(errOut, "no-such-flag") {
		t.Errorf("unknown flag: exit %d, stderr %q", code, errOut)
	}
}
