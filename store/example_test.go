package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wfehq/wfe/store"
)

// An importer stores the raw mail as a blob (durable before the commit),
// then commits a batch of activities with their ledger rows in one
// transaction; a message seen before comes back as a duplicate.
func ExampleStore_CommitImport() {
	dir, _ := os.MkdirTemp("", "wfe-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "wfe.db"), store.WithSecretKey(store.GenerateSecretKey()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	raw := "From: max@muster.de\r\nSubject: Angebot\r\nMessage-ID: <1@muster.de>\r\n\r\nHallo\r\n"
	sha, size, err := s.PutBlob(ctx, strings.NewReader(raw))
	if err != nil {
		fmt.Println(err)
		return
	}
	item := func() store.ImportItem {
		return store.ImportItem{
			Key:           store.LedgerKey{MailConfigID: 1, Mailbox: "INBOX", UIDValidity: 7, UID: 42},
			MessageID:     "<1@muster.de>",
			ContentSHA256: sha,
			Activity:      &store.Activity{Type: store.TypeMailIn, Status: store.StatusOpen, Subject: "Angebot", Sender: "max@muster.de"},
			Documents:     []*store.Document{{Name: "mail.eml", ContentType: "message/rfc822", Size: size, SHA256: sha}},
		}
	}
	for range 2 {
		res, err := s.CommitImport(ctx, []store.ImportItem{item()})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(res[0].Outcome, res[0].ActivityID)
	}
	// Output:
	// imported 1
	// duplicate 1
}
