package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// storeWithDisk opens a store whose blob writes fail with ENOSPC while
// full is set.
func storeWithDisk(t *testing.T) (st *store.Store, full *atomic.Bool) {
	full = new(atomic.Bool)
	st = storetest.Open(t, store.WithBlobWriteFault(func([]byte) error {
		if full.Load() {
			return syscall.ENOSPC
		}
		return nil
	}))
	return st, full
}

// packFiles lists the pack files of the blob directory, relative to
// packs/ ("YYYY-MM/NAME.pack").
func packFiles(t *testing.T, st *store.Store) []string {
	t.Helper()
	root := filepath.Join(st.BlobDir(), "packs")
	var names []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return names
}

// looseFiles lists the files at content addresses (and temporary files)
// of the blob directory, packs excluded.
func looseFiles(t *testing.T, st *store.Store) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(st.BlobDir(), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && d.Name() == "packs" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

func readBlob(t *testing.T, st *store.Store, sha string) string {
	t.Helper()
	rc, err := st.OpenBlob(sha)
	if err != nil {
		t.Fatalf("open blob %s: %v", sha, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The small blobs of a batch go into one pack file: no file per blob. They
// are found by OpenBlob only after Sync recorded them, on both databases.
func TestBlobBatchPacksSmallBlobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		b := st.NewBlobBatch()
		defer b.Discard()
		want := map[string]string{}
		for i := range 50 {
			content := fmt.Sprintf("message %d\r\n%s", i, strings.Repeat("x", i*100))
			sha, size, err := b.Put(ctx, strings.NewReader(content))
			if err != nil || size != int64(len(content)) {
				t.Fatalf("put %d: %v (size %d)", i, err, size)
			}
			want[sha] = content
			if _, err := st.OpenBlob(sha); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("blob %d found by OpenBlob before Sync: %v", i, err)
			}
			rc, err := b.Open(sha)
			if err != nil {
				t.Fatalf("batch Open before Sync: %v", err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if string(got) != content {
				t.Fatalf("batch Open of blob %d read %d bytes, want %d", i, len(got), len(content))
			}
		}
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		if packs := packFiles(t, st); len(packs) != 1 {
			t.Fatalf("pack files %v, want exactly one", packs)
		}
		if loose := looseFiles(t, st); len(loose) != 0 {
			t.Fatalf("small blobs got files of their own: %v", loose)
		}
		for sha, content := range want {
			if got := readBlob(t, st, sha); got != content {
				t.Errorf("blob %s read back %d bytes, want %d", sha[:8], len(got), len(content))
			}
		}
	})
}

// Blobs larger than the small pack takes stream into a second pack of the
// batch: however many blobs a batch stores, it creates two files, and
// every blob reads back whole.
func TestBlobBatchLargeBlobsShareAPack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		b := st.NewBlobBatch()
		defer b.Discard()
		want := map[string]string{}
		for i := range 3 {
			large := strings.Repeat(string(rune('A'+i)), 600<<10+i)
			sha, size, err := b.Put(ctx, strings.NewReader(large))
			if err != nil || size != int64(len(large)) {
				t.Fatalf("large %d: %v (size %d)", i, err, size)
			}
			want[sha] = large
		}
		// the same large content again: stored once
		if _, _, err := b.Put(ctx, strings.NewReader(strings.Repeat("A", 600<<10))); err != nil {
			t.Fatal(err)
		}
		shaSmall, _, err := b.Put(ctx, strings.NewReader("small"))
		if err != nil {
			t.Fatal(err)
		}
		want[shaSmall] = "small"
		for sha, content := range want {
			rc, err := b.Open(sha)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if string(got) != content {
				t.Fatalf("batch Open of %s before Sync: %d bytes, want %d", sha[:8], len(got), len(content))
			}
		}
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		if loose := looseFiles(t, st); len(loose) != 0 {
			t.Fatalf("files of their own: %v", loose)
		}
		b.Discard() // cuts the large pack back to its blobs
		packs := packFiles(t, st)
		if len(packs) != 2 {
			t.Fatalf("packs %v, want the small and the large one", packs)
		}
		var total int64
		for _, p := range packs {
			fi, _ := os.Stat(filepath.Join(st.BlobDir(), "packs", p))
			total += fi.Size()
		}
		if wantSize := int64(3*(600<<10) + 0 + 1 + 2 + len("small")); total != wantSize {
			t.Errorf("packs hold %d bytes, want %d (each blob once)", total, wantSize)
		}
		for sha, content := range want {
			if got := readBlob(t, st, sha); got != content {
				t.Errorf("blob %s reads %d bytes, want %d", sha[:8], len(got), len(content))
			}
		}
	})
}

// A large blob whose writing fails (full disk) leaves the large pack's end
// where it was: the next large blob is stored and read back correctly.
func TestBlobBatchLargeWriteFailure(t *testing.T) {
	ctx := context.Background()
	st, full := storeWithDisk(t)
	b := st.NewBlobBatch()
	defer b.Discard()
	first := strings.Repeat("1", 700<<10)
	sha1, _, err := b.Put(ctx, strings.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	full.Store(true)
	if _, _, err := b.Put(ctx, strings.NewReader(strings.Repeat("2", 700<<10))); !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), st.BlobDir()) {
		t.Fatalf("large put on a full disk: %v", err)
	}
	full.Store(false)
	third := strings.Repeat("3", 800<<10)
	sha3, _, err := b.Put(ctx, strings.NewReader(third))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if readBlob(t, st, sha1) != first || readBlob(t, st, sha3) != third {
		t.Fatal("large blobs around the failed one read back differently")
	}
}

// A batch given up before Sync leaves no pack and nothing findable; one
// given up after Sync keeps what was synced and drops what came later.
func TestBlobBatchDiscardPack(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b := st.NewBlobBatch()
	sha, _, err := b.Put(ctx, strings.NewReader("never synced"))
	if err != nil {
		t.Fatal(err)
	}
	b.Discard()
	if packs := packFiles(t, st); len(packs) != 0 {
		t.Fatalf("packs %v left after Discard without Sync", packs)
	}
	if _, err := st.OpenBlob(sha); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("discarded blob: %v, want ErrNotFound", err)
	}

	b = st.NewBlobBatch()
	kept, _, _ := b.Put(ctx, strings.NewReader("synced"))
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	dropped, _, _ := b.Put(ctx, strings.NewReader("after sync"))
	b.Discard()
	if got := readBlob(t, st, kept); got != "synced" {
		t.Fatalf("synced blob reads %q", got)
	}
	if _, err := st.OpenBlob(dropped); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("blob put after Sync and discarded: %v, want ErrNotFound", err)
	}
	packs := packFiles(t, st)
	if len(packs) != 1 {
		t.Fatalf("packs %v, want one", packs)
	}
	fi, err := os.Stat(filepath.Join(st.BlobDir(), "packs", packs[0]))
	if err != nil || fi.Size() != int64(len("synced")) {
		t.Fatalf("pack holds %d bytes, want only the synced blob's %d (%v)", fi.Size(), len("synced"), err)
	}
}

// Content stored in an earlier batch's pack is not written again.
func TestBlobBatchPackDeduplicates(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	logo := strings.Repeat("logo", 1000)
	b1 := st.NewBlobBatch()
	sha1, _, err := b1.Put(ctx, strings.NewReader(logo))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b1.Put(ctx, strings.NewReader(logo)); err != nil {
		t.Fatal(err)
	}
	if err := b1.Sync(); err != nil {
		t.Fatal(err)
	}
	b1.Discard()
	b2 := st.NewBlobBatch()
	sha2, size, err := b2.Put(ctx, strings.NewReader(logo))
	if err != nil || sha2 != sha1 || size != int64(len(logo)) {
		t.Fatalf("second batch: %s %d %v", sha2, size, err)
	}
	if err := b2.Sync(); err != nil {
		t.Fatal(err)
	}
	b2.Discard()
	packs := packFiles(t, st)
	if len(packs) != 1 {
		t.Fatalf("packs %v, want one (the second batch had nothing new)", packs)
	}
	fi, _ := os.Stat(filepath.Join(st.BlobDir(), "packs", packs[0]))
	if fi.Size() != int64(len(logo)) {
		t.Fatalf("pack holds %d bytes, want the logo once (%d)", fi.Size(), len(logo))
	}
	if readBlob(t, st, sha1) != logo {
		t.Fatal("logo reads back differently")
	}
}

// A write that fails (full disk) fails that Put with an error naming the
// blob directory; later blobs of the batch are stored correctly.
func TestBlobBatchPackWriteFailure(t *testing.T) {
	ctx := context.Background()
	st, full := storeWithDisk(t)
	b := st.NewBlobBatch()
	defer b.Discard()
	first, _, err := b.Put(ctx, strings.NewReader("first"))
	if err != nil {
		t.Fatal(err)
	}
	full.Store(true)
	_, _, err = b.Put(ctx, strings.NewReader("lost to a full disk"))
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), st.BlobDir()) {
		t.Fatalf("put on a full disk: %v, want ENOSPC naming %s", err, st.BlobDir())
	}
	full.Store(false)
	third, _, err := b.Put(ctx, strings.NewReader("third"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if readBlob(t, st, first) != "first" || readBlob(t, st, third) != "third" {
		t.Fatal("blobs around the failed write read back differently")
	}
}

// A pack cut short (a disk error, a bad restore) gives an error naming the
// pack instead of a short read.
func TestOpenBlobTruncatedPack(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b := st.NewBlobBatch()
	sha, _, err := b.Put(ctx, bytes.NewReader(bytes.Repeat([]byte("z"), 4096)))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	b.Discard()
	packs := packFiles(t, st)
	pack := filepath.Join(st.BlobDir(), "packs", packs[0])
	if err := os.Truncate(pack, 100); err != nil {
		t.Fatal(err)
	}
	_, err = st.OpenBlob(sha)
	if err == nil || !strings.Contains(err.Error(), "truncated") || !strings.Contains(err.Error(), pack) {
		t.Fatalf("open of a blob in a truncated pack: %v", err)
	}
}

// PutFresh does not look at earlier batches: content packed before is
// packed again, and the index keeps its first place, so both batches' reads
// give the content.
func TestBlobBatchPutFresh(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	const raw = "From: a@b.example\r\n\r\nbody\r\n"
	b1 := st.NewBlobBatch()
	sha, _, err := b1.PutFresh(ctx, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := b1.Sync(); err != nil {
		t.Fatal(err)
	}
	b1.Discard()
	b2 := st.NewBlobBatch()
	sha2, _, err := b2.PutFresh(ctx, strings.NewReader(raw))
	if err != nil || sha2 != sha {
		t.Fatalf("second PutFresh: %s %v", sha2, err)
	}
	if _, _, err := b2.PutFresh(ctx, strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	if err := b2.Sync(); err != nil {
		t.Fatal(err)
	}
	b2.Discard()
	packs := packFiles(t, st)
	if len(packs) != 2 {
		t.Fatalf("packs %v, want two (PutFresh does not look at the first)", packs)
	}
	for _, p := range packs {
		fi, _ := os.Stat(filepath.Join(st.BlobDir(), "packs", p))
		if fi.Size() != int64(len(raw)) {
			t.Errorf("pack %s holds %d bytes, want the content once (%d): a batch packs its own repeats once", p, fi.Size(), len(raw))
		}
	}
	if got := readBlob(t, st, sha); got != raw {
		t.Fatalf("read back %q", got)
	}
}

// StartSync writes the content out in the background without making it
// findable; Sync waits for it and makes the blobs findable; Discard waits
// for it and leaves nothing of a batch never synced.
func TestBlobBatchStartSync(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b := st.NewBlobBatch()
	small, _, err := b.Put(ctx, strings.NewReader("small"))
	if err != nil {
		t.Fatal(err)
	}
	large := strings.Repeat("L", 700<<10)
	shaLarge, _, err := b.Put(ctx, strings.NewReader(large))
	if err != nil {
		t.Fatal(err)
	}
	b.StartSync()
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	b.Discard()
	if readBlob(t, st, small) != "small" || readBlob(t, st, shaLarge) != large {
		t.Fatal("blobs synced in the background read back differently")
	}
	before := packFiles(t, st)

	// a batch discarded right after StartSync leaves nothing behind
	b = st.NewBlobBatch()
	sha, _, err := b.Put(ctx, strings.NewReader("discarded while syncing"))
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := b.Put(ctx, strings.NewReader(strings.Repeat("M", 600<<10)))
	if err != nil {
		t.Fatal(err)
	}
	b.StartSync()
	b.Discard()
	for _, s := range []string{sha, other} {
		if _, err := st.OpenBlob(s); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("blob of a discarded batch: %v, want ErrNotFound", err)
		}
	}
	if after := packFiles(t, st); len(after) != len(before) {
		t.Errorf("packs %v after discarding, want %v", after, before)
	}
	if loose := looseFiles(t, st); len(loose) != 0 {
		t.Errorf("files %v left in the blob directory", loose)
	}
}

// Sync after StartSync still records the packed blobs, and says so when
// it cannot (here: the database is closed).
func TestBlobBatchSyncAfterStartSyncError(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "wfe.db"), store.WithSecretKey(storetest.TestKey))
	if err != nil {
		t.Fatal(err)
	}
	b := st.NewBlobBatch()
	if _, _, err := b.Put(ctx, strings.NewReader("content")); err != nil {
		t.Fatal(err)
	}
	st.Close()
	b.StartSync()
	if err := b.Sync(); err == nil || !strings.Contains(err.Error(), "record packed blobs") {
		t.Fatalf("Sync with the database closed: %v", err)
	}
	b.Discard()
}

// PutFreshBytes stores what the caller holds in memory, small or large,
// and gives the address Put gives for the same content.
func TestBlobBatchPutFreshBytes(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b := st.NewBlobBatch()
	defer b.Discard()
	for _, content := range []string{"small message", strings.Repeat("x", 600<<10)} {
		sha, err := b.PutFreshBytes(ctx, []byte(content))
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := st.NewBlobBatch().Put(ctx, strings.NewReader(content))
		if err != nil || want != sha {
			t.Fatalf("PutFreshBytes gave %s, Put gives %s (%v)", sha, want, err)
		}
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		if got := readBlob(t, st, sha); got != content {
			t.Fatalf("read back %d bytes, want %d", len(got), len(content))
		}
	}
}

// Packs are kept in one directory per month, named by the store's clock;
// the index names them with their month.
func TestBlobPacksByMonth(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC)
	st := storetest.Open(t, store.WithClock(func() time.Time { return now }))
	for _, content := range []string{"march", "april"} {
		b := st.NewBlobBatch()
		sha, _, err := b.Put(ctx, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		b.Discard()
		if got := readBlob(t, st, sha); got != content {
			t.Fatalf("read %q, want %q", got, content)
		}
		now = now.Add(time.Hour)
	}
	packs := packFiles(t, st)
	if len(packs) != 2 || !strings.HasPrefix(packs[0], "2026-03/") || !strings.HasPrefix(packs[1], "2026-04/") {
		t.Fatalf("packs %v, want one in 2026-03/ and one in 2026-04/", packs)
	}
}

// A pack name in the index that does not have the form the store writes
// (a damaged or tampered database) is refused instead of followed.
func TestOpenBlobRefusesStrangePackNames(t *testing.T) {
	st := storetest.Open(t)
	for i, name := range []string{"../../key", "2026-03/../../x.pack", "/etc/passwd", "2026-03/.hidden.pack", "x.pack"} {
		sha := fmt.Sprintf("%064x", i+1)
		if err := st.DB(context.Background()).Exec("INSERT INTO blob_pack_entry (sha256, pack, pack_offset, size) VALUES (?, ?, 0, 1)", sha, name).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := st.OpenBlob(sha); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("pack name %q: %v, want ErrInvalid", name, err)
		}
	}
}

// A blob in a file of its own, as wfe wrote them before blobs were packed,
// is read by OpenBlob and not stored again by Put.
func TestBlobInFileOfItsOwn(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	const content = "stored by an earlier wfe"
	sum := sha256.Sum256([]byte(content))
	sha := hex.EncodeToString(sum[:])
	p, _ := st.BlobPath(sha)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := readBlob(t, st, sha); got != content {
		t.Fatalf("read %q", got)
	}
	b := st.NewBlobBatch()
	got, _, err := b.Put(ctx, strings.NewReader(content))
	if err != nil || got != sha {
		t.Fatalf("Put: %s %v", got, err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	b.Discard()
	if packs := packFiles(t, st); len(packs) != 0 {
		t.Fatalf("content stored before was packed again: %v", packs)
	}
}
