package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// CheckBlobs reads back every blob documents and ledger rows refer to:
// all good after an import; then a damaged pack, a lost file and a pack
// nothing refers to are each reported, and nothing is changed.
func TestCheckBlobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := crmFixture(t, s)
		// two mails committed with packed raw blobs and a packed attachment
		b := s.NewBlobBatch()
		var items []store.ImportItem
		for i, body := range []string{"first mail\r\n", "second mail\r\n"} {
			it := mailItem(t, s, f, uint32(i+1), "<check-"+body[:3]+"@x>", body)
			sha, size, err := b.PutFresh(ctx, strings.NewReader("packed "+body))
			if err != nil {
				t.Fatal(err)
			}
			it.Documents = append(it.Documents, &store.Document{Name: "a.txt", ContentType: "text/plain", Size: size, SHA256: sha})
			items = append(items, it)
		}
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		b.Discard()
		if _, err := s.CommitImport(ctx, items); err != nil {
			t.Fatal(err)
		}
		res, err := s.CheckBlobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != 4 || len(res.Problems) != 0 || len(res.UnreferencedPacks) != 0 || res.UnreferencedBlobs != 0 {
			t.Fatalf("after the import: %+v", res)
		}
		// a batch recorded but never committed: its blob is counted
		b = s.NewBlobBatch()
		if _, _, err := b.PutFresh(ctx, strings.NewReader("never committed")); err != nil {
			t.Fatal(err)
		}
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		b.Discard()
		if res, err = s.CheckBlobs(ctx); err != nil || res.UnreferencedBlobs != 1 || res.UnreferencedBlobBytes != int64(len("never committed")) || len(res.Problems) != 0 {
			t.Fatalf("with a recorded blob nothing refers to: %+v %v", res, err)
		}

		// damage: flip a byte of the pack, lose a loose file, leave a pack
		packOf := func(sha string) string {
			var pack string
			if err := s.DB(ctx).Raw("SELECT pack FROM blob_pack_entry WHERE sha256 = ?", sha).Scan(&pack).Error; err != nil || pack == "" {
				t.Fatalf("pack of %s: %q %v", sha, pack, err)
			}
			return filepath.Join(s.BlobDir(), "packs", pack)
		}
		// the batch's pack starts with the first attachment
		packPath := packOf(items[0].Documents[1].SHA256)
		data, _ := os.ReadFile(packPath)
		data[0] ^= 0xff
		if err := os.WriteFile(packPath, data, 0o600); err != nil {
			t.Fatal(err)
		}
		// PutBlob gave the raw mail of item 1 a pack of its own
		if err := os.Remove(packOf(items[1].RawBlob)); err != nil {
			t.Fatal(err)
		}
		stray := filepath.Join(filepath.Dir(packPath), "stray.pack")
		if err := os.WriteFile(stray, []byte("cut short"), 0o600); err != nil {
			t.Fatal(err)
		}
		res, err = s.CheckBlobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		problems := map[string]string{}
		for _, p := range res.Problems {
			problems[p.SHA256] = p.Problem
		}
		if len(problems) != 2 || !strings.HasPrefix(problems[items[1].RawBlob], "missing: ") ||
			!strings.HasPrefix(problems[items[0].Documents[1].SHA256], "content differs") {
			t.Fatalf("problems %v", res.Problems)
		}
		if len(res.UnreferencedPacks) != 1 || !strings.HasSuffix(res.UnreferencedPacks[0], "/stray.pack") || res.UnreferencedBytes != int64(len("cut short")) {
			t.Fatalf("unreferenced packs %v (%d bytes)", res.UnreferencedPacks, res.UnreferencedBytes)
		}
		if _, err := os.Stat(stray); err != nil {
			t.Fatalf("the check removed the stray pack: %v", err)
		}
	})
}
