package wfecmd

import (
	"strings"
	"testing"
)

// leaves returns every runnable command of the tree below c.
func leaves(c *Command) []*Command {
	var out []*Command
	for _, s := range c.Subs {
		if s.Run != nil {
			out = append(out, s)
		}
		out = append(out, leaves(s)...)
	}
	return out
}

// Every command has an example, its --help shows it, and each example
// line runs the command it documents (its words after "wfe" and the
// global flags name that command).
func TestEveryCommandHasAnExample(t *testing.T) {
	cmds := leaves(root)
	if len(cmds) < 30 {
		t.Fatalf("only %d commands found", len(cmds))
	}
	for _, c := range cmds {
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no example", c.path())
			continue
		}
		for _, line := range strings.Split(c.Example, "\n") {
			if got := exampleCommand(line); got != c.path() {
				t.Errorf("%s: example %q runs %q", c.path(), line, got)
			}
		}
		args := append(strings.Fields(strings.TrimPrefix(c.path(), "wfe ")), "--help")
		code, out, _ := runWFE(t, args...)
		if code != 0 || !strings.Contains(out, "Example:\n  "+strings.Split(c.Example, "\n")[0]) {
			t.Errorf("wfe %s: exit %d, the example is missing:\n%s", strings.Join(args, " "), code, out)
		}
	}
}

// exampleCommand is the command path an example line runs: "wfe" and the
// command words, global flags (--db X) skipped; a line may feed wfe
// through a pipe.
func exampleCommand(line string) string {
	if i := strings.LastIndex(line, "| "); i >= 0 {
		line = line[i+2:]
	}
	words := strings.Fields(line)
	if len(words) == 0 || words[0] != "wfe" {
		return ""
	}
	c := root
	for i := 1; i < len(words) && len(c.Subs) > 0; i++ {
		if words[i] == "--db" {
			i++
			continue
		}
		next := findSub(c, words[i])
		if next == nil {
			break
		}
		c = next
	}
	return c.path()
}

func TestHelpCommandAndVersion(t *testing.T) {
	code, out, _ := runWFE(t, "help", "timer", "add")
	if code != 0 || !strings.HasPrefix(out, "Usage: wfe timer add") || !strings.Contains(out, "--every") {
		t.Errorf("wfe help timer add: exit %d\n%s", code, out)
	}
	if code, out2, _ := runWFE(t, "timer", "add", "--help"); code != 0 || out2 != out {
		t.Errorf("wfe timer add --help differs from wfe help timer add (exit %d)", code)
	}
	code, out, _ = runWFE(t, "help", "timer")
	if code != 0 || !strings.Contains(out, "wfe timer list --json") || !strings.Contains(out, "wfe help timer COMMAND") {
		t.Errorf("wfe help timer: exit %d\n%s", code, out)
	}
	code, _, errOut := runWFE(t, "help", "timer", "ad")
	if code != 2 || !strings.Contains(errOut, `did you mean "add"`) {
		t.Errorf("wfe help timer ad: exit %d %q", code, errOut)
	}
	code, v1, _ := runWFE(t, "--version")
	code2, v2, _ := runWFE(t, "version")
	if code != 0 || code2 != 0 || !strings.HasPrefix(v1, "wfe ") || v1 != v2 {
		t.Errorf("--version (exit %d) %q, version (exit %d) %q", code, v1, code2, v2)
	}
}
