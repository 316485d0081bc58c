package store_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/blobs"
	"github.com/wfehq/wfe/store/storetest"
)

// packOf returns the pack (relative to packs/) a blob lies in.
func packOf(t *testing.T, s *store.Store, sha string) string {
	t.Helper()
	file, err := s.BlobFile(ctx, sha)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(filepath.Join(s.BlobDir(), "packs"), file)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(rel)
}

// Garbage collection removes the packs and entries of abandoned batches
// (recorded but never committed, and never recorded), keeps what a
// committed row refers to and what a live batch writes; a dry run removes
// nothing and says what it would free; afterwards blobs check is clean.
func TestCollectGarbage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := crmFixture(t, s)
		kept := mailItem(t, s, f, 1, "<kept@x>", "committed mail\r\n")
		if _, err := s.CommitImport(ctx, []store.ImportItem{kept}); err != nil {
			t.Fatal(err)
		}
		orphanSHA, orphanPacks, orphanBytes := abandonedBatches(t, s)
		// a live batch is writing now
		live := s.NewBlobBatch()
		defer live.Discard()
		liveSHA, _, err := live.PutFresh(ctx, strings.NewReader("being imported\r\n"))
		if err != nil {
			t.Fatal(err)
		}

		young, err := s.CollectGarbage(ctx, blobs.GCOptions{})
		if err != nil || len(young.Packs) != 0 || young.Entries != 0 || young.KeptYoung != 3 {
			t.Fatalf("packs younger than the default age: %+v %v", young, err)
		}
		dry, err := s.CollectGarbage(ctx, blobs.GCOptions{DryRun: true, MinAge: -1})
		if err != nil || !slices.Equal(dry.Packs, orphanPacks) || dry.Bytes != orphanBytes || dry.Entries != 1 {
			t.Fatalf("dry run: %+v %v, want packs %v, %d bytes, 1 entry", dry, err, orphanPacks, orphanBytes)
		}
		for _, p := range orphanPacks {
			if _, err := os.Stat(filepath.Join(s.BlobDir(), "packs", p)); err != nil {
				t.Fatalf("dry run removed %s: %v", p, err)
			}
		}
		if _, err := s.BlobFile(ctx, orphanSHA); err != nil {
			t.Fatalf("dry run removed the entry: %v", err)
		}

		rep, err := s.CollectGarbage(ctx, blobs.GCOptions{MinAge: -1})
		if err != nil || !slices.Equal(rep.Packs, orphanPacks) || rep.Bytes != orphanBytes || rep.Entries != 1 {
			t.Fatalf("gc: %+v %v", rep, err)
		}
		for _, p := range orphanPacks {
			if _, err := os.Stat(filepath.Join(s.BlobDir(), "packs", p)); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("orphan pack %s still there: %v", p, err)
			}
		}
		if _, err := s.BlobFile(ctx, orphanSHA); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("orphan entry still there: %v", err)
		}
		readBack(t, s, kept.RawBlob, "committed mail\r\n")

		// the live batch goes on: its pack is still there, it commits
		if err := live.Sync(); err != nil {
			t.Fatal(err)
		}
		it := mailItem(t, s, f, 2, "<live@x>", "second committed mail\r\n")
		it.Documents = append(it.Documents, &store.Document{Name: "a.txt", Size: 16, SHA256: liveSHA})
		if _, err := s.CommitImport(ctx, []store.ImportItem{it}); err != nil {
			t.Fatal(err)
		}
		readBack(t, s, liveSHA, "being imported\r\n")
		check, err := s.CheckBlobs(ctx)
		if err != nil || len(check.Problems) != 0 || len(check.UnreferencedPacks) != 0 || check.UnreferencedBlobs != 0 {
			t.Fatalf("check after gc: %+v %v", check, err)
		}
	})
}

// A batch that reuses a blob collected while it ran fails its commit
// instead of referring to a removed blob.
func TestCommitRefusesCollectedBlob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := crmFixture(t, s)
		it := mailItem(t, s, f, 1, "<gone@x>", "collected\r\n")
		if _, err := s.CollectGarbage(ctx, blobs.GCOptions{MinAge: -1}); err != nil {
			t.Fatal(err)
		}
		_, err := s.CommitImport(ctx, []store.ImportItem{it})
		if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), it.RawBlob+" is no longer stored") {
			t.Fatalf("commit of a collected blob: %v", err)
		}
	})
}

// abandonedBatches leaves what two batches killed before their commits
// leave: one recorded its blob, one did not; it returns the recorded
// orphan blob, both packs and their bytes.
func abandonedBatches(t *testing.T, s *store.Store) (orphanSHA string, packs []string, bytes int64) {
	t.Helper()
	recorded := s.NewBlobBatch()
	orphanSHA, _, err := recorded.PutFresh(ctx, strings.NewReader("never committed\r\n"))
	if err != nil || recorded.Sync() != nil {
		t.Fatalf("recorded batch: %v", err)
	}
	recorded.Discard()
	// the pack file of the second is on disk, its entries are not (made
	// here by forgetting them)
	unrecorded := s.NewBlobBatch()
	unrecordedSHA, _, err := unrecorded.PutFresh(ctx, strings.NewReader("never recorded\r\n"))
	if err != nil || unrecorded.Sync() != nil {
		t.Fatalf("unrecorded batch: %v", err)
	}
	unrecordedPack := packOf(t, s, unrecordedSHA)
	unrecorded.Discard()
	if err := s.DB(ctx).Exec("DELETE FROM blob_pack_entry WHERE pack = ?", unrecordedPack).Error; err != nil {
		t.Fatal(err)
	}
	packs = []string{packOf(t, s, orphanSHA), unrecordedPack}
	slices.Sort(packs)
	for _, p := range packs {
		fi, err := os.Stat(filepath.Join(s.BlobDir(), "packs", p))
		if err != nil {
			t.Fatal(err)
		}
		bytes += fi.Size()
	}
	return orphanSHA, packs, bytes
}

func readBack(t *testing.T, s *store.Store, sha, want string) {
	t.Helper()
	rc, err := s.OpenBlob(sha)
	if err != nil {
		t.Fatalf("blob %s: %v", sha, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || string(got) != want {
		t.Fatalf("blob %s: %q %v, want %q", sha, got, err, want)
	}
}
