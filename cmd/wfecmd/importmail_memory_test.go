package wfecmd

import (
	"runtime/debug"
	"testing"
)

func TestLimitImportMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	t.Setenv("GOMEMLIMIT", "")
	for _, c := range []struct {
		mailboxes int
		want      int64
	}{{1, 20 << 20}, {4, 44 << 20}} {
		if got := limitImportMemory(c.mailboxes); got != c.want || debug.SetMemoryLimit(-1) != c.want {
			t.Errorf("%d mailbox(es): limit %d (runtime %d), want %d", c.mailboxes, got, debug.SetMemoryLimit(-1), c.want)
		}
	}
	debug.SetMemoryLimit(before)
	t.Setenv("GOMEMLIMIT", "1GiB")
	if got := limitImportMemory(1); got != 0 || debug.SetMemoryLimit(-1) != before {
		t.Errorf("with GOMEMLIMIT set: limit %d, runtime %d, want it left alone", got, debug.SetMemoryLimit(-1))
	}
}
