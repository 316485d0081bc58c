package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// BenchmarkCommitImport100 commits batches of 100 imported mails (activity,
// contact link, one document, ledger row) in one transaction each; the
// figure to watch is mails/s.
func BenchmarkCommitImport100(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var s *store.Store
			if dialect == "sqlite" {
				s = storetest.Open(b)
			} else {
				s = storetest.OpenPostgres(b)
			}
			p := &store.BusinessPartner{Name: "Muster GmbH"}
			if err := s.CreatePartner(ctx, p); err != nil {
				b.Fatal(err)
			}
			c := &store.Contact{PartnerID: p.ID, Email: "max@muster.de"}
			if err := s.CreateContact(ctx, c); err != nil {
				b.Fatal(err)
			}
			sha, size, err := s.PutBlob(ctx, strings.NewReader("attachment"))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			uid := uint32(0)
			for i := 0; i < b.N; i++ {
				batch := make([]store.ImportItem, 100)
				for j := range batch {
					uid++
					batch[j] = store.ImportItem{
						Key:       store.LedgerKey{MailConfigID: 1, Mailbox: "INBOX", UIDValidity: 1, UID: uid},
						MessageID: fmt.Sprintf("<%d@x>", uid), ContentSHA256: fmt.Sprintf("%064x", uid),
						Activity: &store.Activity{Type: store.TypeMailIn, Subject: "Mail", Sender: "max@muster.de",
							ContactIDs: []int64{c.ID}, PartnerIDs: []int64{p.ID}},
						Documents: []*store.Document{{Name: "a.txt", Size: size, SHA256: sha}},
					}
				}
				if _, err := s.CommitImport(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "mails/s")
		})
	}
}
