package sqldb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type walProbe struct {
	ID   int64 `gorm:"primaryKey"`
	Text string
}

// TestWALStartsOverUnderSteadyWrites: a writer that commits without a
// pause (as an import does) keeps the write-ahead log short: once it is
// longer than walRestartFrames, a writer checkpoints in its turn and the
// log starts over, instead of growing by everything written.
func TestWALStartsOverUnderSteadyWrites(t *testing.T) {
	oldFrames, oldPause := walRestartFrames, checkpointPause
	walRestartFrames, checkpointPause = 64, 5*time.Millisecond
	t.Cleanup(func() { walRestartFrames, checkpointPause = oldFrames, oldPause })
	path := filepath.Join(t.TempDir(), "wal.db")
	ctx := context.Background()
	d, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.AutoMigrate(&walProbe{}); err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("x", 6000) // two pages of 4 KiB
	const commits = 3000
	var longest int64
	for i := range commits {
		if err := d.Create(&walProbe{Text: text}).Error; err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 {
			if fi, err := os.Stat(path + "-wal"); err == nil {
				longest = max(longest, fi.Size())
			}
		}
	}
	written := int64(commits * 2 * 4096)
	t.Logf("log at most %d KiB for %d KiB of pages written", longest>>10, written>>10)
	if longest == 0 || longest > written/4 {
		t.Fatalf("the write-ahead log grew to %d bytes for %d bytes of pages written", longest, written)
	}
}
