package sqldb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

type queueProbe struct {
	ID     int64 `gorm:"primaryKey"`
	Writer int
	Seq    int
}

// TestConcurrentWritersNeverBusy: twenty writers on two handles of one
// SQLite file, each holding its write transactions three times as long
// as SQLite's busy timeout (set to 20 ms here), and as many
// single-statement inserts (INSERT ... RETURNING) outside a transaction:
// none fails with SQLITE_BUSY, since the writes of one process wait for
// each other in the file's queue, and every row is there once.
func TestConcurrentWritersNeverBusy(t *testing.T) {
	old := busyTimeout
	busyTimeout = 20 * time.Millisecond
	t.Cleanup(func() { busyTimeout = old })
	path := filepath.Join(t.TempDir(), "queue.db")
	ctx := context.Background()
	var handles [2]*DB
	for i := range handles {
		d, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		handles[i] = d
	}
	if err := handles[0].AutoMigrate(&queueProbe{}); err != nil {
		t.Fatal(err)
	}
	const writers, rounds = 20, 2
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*2)
	for w := range writers {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			d := handles[w%2].WithContext(ctx)
			for r := range rounds {
				errs <- d.Transaction(func(tx *gorm.DB) error {
					if err := tx.Create(&queueProbe{Writer: w, Seq: 2 * r}).Error; err != nil {
						return err
					}
					time.Sleep(3 * busyTimeout)
					return nil
				})
				errs <- d.Create(&queueProbe{Writer: w, Seq: 2*r + 1}).Error
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a concurrent write failed: %v", err)
		}
	}
	assertEachRowOnce(t, handles[1], writers, 2*rounds)
}

func assertEachRowOnce(t *testing.T, d *DB, writers, perWriter int) {
	t.Helper()
	var rows []queueProbe
	if err := d.Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rows {
		seen[fmt.Sprint(r.Writer, "/", r.Seq)]++
	}
	for w := range writers {
		for s := range perWriter {
			if n := seen[fmt.Sprint(w, "/", s)]; n != 1 {
				t.Errorf("writer %d row %d stored %d times, want once", w, s, n)
			}
		}
	}
}

// TestLogCheckpointedInBackground: connections do not checkpoint the
// write-ahead log in their commits (wal_autocheckpoint is 0), yet what a
// write transaction logged reaches the database file without any other
// statement: the handle's checkpointer copies it after the write turn.
func TestLogCheckpointedInBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.db")
	d, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var auto int
	if err := d.Raw("PRAGMA wal_autocheckpoint").Scan(&auto).Error; err != nil || auto != 0 {
		t.Fatalf("wal_autocheckpoint %d (%v), want 0", auto, err)
	}
	if err := d.AutoMigrate(&queueProbe{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * checkpointPause) // the migration's checkpoint is done
	before := fileSize(t, path)
	rows := make([]queueProbe, 2000)
	for i := range rows {
		rows[i] = queueProbe{Writer: i, Seq: i}
	}
	if err := d.Transaction(func(tx *gorm.DB) error { return tx.CreateInBatches(rows, 100).Error }); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); fileSize(t, path) <= before; {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes 30 s after the write: the log was not checkpointed", before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
