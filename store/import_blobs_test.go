package store_test

import (
	"io"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// batchItem is mailItem with its raw message put into the blob batch b
// (not yet recorded) instead of the store.
func batchItem(t *testing.T, s *store.Store, b *store.BlobBatch, f fixture, uid uint32, body string) store.ImportItem {
	t.Helper()
	sha, size, err := b.Put(ctx, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	it := mailItem(t, s, f, uid, "<batch-"+body+"@x>", "placeholder "+body)
	it.ContentSHA256, it.RawBlob = sha, sha
	it.Documents = []*store.Document{{Name: "raw.eml", ContentType: "message/rfc822", Size: size, SHA256: sha}}
	return it
}

// CommitImportBlobs records a blob batch's blobs in the import's own
// transaction: until it commits nobody finds them, and when it rolls
// back they never become findable.
func TestCommitImportBlobsOneTransaction(t *testing.T) {
	var s *store.Store
	var seenDuring []error
	var probeSHAs []string // the blobs the probe looks for
	probe := store.WithBeforeBulkInsert(func(tx *gorm.DB) {
		// inside the transaction, after the blobs were recorded in it: a
		// reader outside does not see them yet
		for _, sha := range probeSHAs {
			_, err := s.OpenBlob(sha)
			seenDuring = append(seenDuring, err)
		}
	})
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s, seenDuring, probeSHAs = st, nil, nil
		f := crmFixture(t, s)
		b := s.NewBlobBatch()
		a := batchItem(t, s, b, f, 1, "first mail")
		c := batchItem(t, s, b, f, 2, "second mail")
		probeSHAs = []string{a.RawBlob, c.RawBlob}
		b.StartSync()
		res, err := s.CommitImportBlobs(ctx, b, []store.ImportItem{a, c})
		if err != nil {
			t.Fatal(err)
		}
		b.Discard()
		if len(res) != 2 || res[0].Outcome != store.OutcomeImported || res[1].Outcome != store.OutcomeImported {
			t.Fatalf("results %+v", res)
		}
		if len(seenDuring) != 2 || seenDuring[0] == nil || seenDuring[1] == nil {
			t.Fatalf("blobs found from outside the uncommitted transaction: %v", seenDuring)
		}
		for sha, want := range map[string]string{a.RawBlob: "first mail", c.RawBlob: "second mail"} {
			rc, err := s.OpenBlob(sha)
			if err != nil {
				t.Fatalf("blob %s after the commit: %v", sha, err)
			}
			data, _ := io.ReadAll(rc)
			rc.Close()
			if string(data) != want {
				t.Fatalf("blob %s holds %q, want %q", sha, data, want)
			}
		}

		// a batch whose commit fails (a link to a contact that does not
		// exist) leaves its blobs unrecorded
		probeSHAs = nil
		b2 := s.NewBlobBatch()
		bad := batchItem(t, s, b2, f, 3, "third mail")
		bad.Activity.ContactIDs = []int64{987654}
		if _, err := s.CommitImportBlobs(ctx, b2, []store.ImportItem{bad}); err == nil {
			t.Fatal("commit with a link to a missing contact succeeded")
		}
		b2.Discard()
		if _, err := s.OpenBlob(bad.RawBlob); err == nil {
			t.Fatal("the blob of a rolled-back batch is findable")
		}
	}, probe)
}
