package mailimport_test

import (
	"bytes"
	"fmt"
	"regexp"
	"testing"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// TestIdenticalMailsWithoutMessageID: byte-identical mails without a
// Message-ID are one activity and duplicates of it, whether they share a
// batch or not, whether they are held in memory or streamed into the blob
// store, and when the same mail comes again in a later run.
func TestIdenticalMailsWithoutMessageID(t *testing.T) {
	large := regexp.MustCompile(`Message-ID: <[^>]*>\r\n`).ReplaceAll(largeMail(t, 400<<10), nil)
	if bytes.Contains(large, []byte("Message-ID")) {
		t.Fatal("the large mail still has a Message-ID")
	}
	mails := []struct {
		name string
		raw  []byte
	}{
		{"small", simpleMail(muellerAddr, "info@firma.example", "Rechnung", "", "Betrag 100 EUR")},
		{"large", large},
	}
	for _, m := range mails {
		for _, batch := range []int{0, 1} {
			t.Run(fmt.Sprintf("%s/batch%d", m.name, batch), func(t *testing.T) {
				storetest.Each(t, func(t *testing.T, st *store.Store) {
					checkIdentical(t, newEnv(t, st, mailtest.IMAPOptions{}), m.raw, batch)
				})
			})
		}
	}
}

func checkIdentical(t *testing.T, e *env, raw []byte, batch int) {
	t.Helper()
	e.appendRaw(raw, raw, raw)
	res, err := e.importOnce(false, batch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || res.Duplicates != 2 || res.Quarantined != 0 {
		t.Fatalf("three identical mails: %s", res.Summary())
	}
	e.appendRaw(raw)
	if res, err = e.importOnce(false, batch); err != nil || res.Duplicates != 1 || res.Imported+res.Quarantined != 0 {
		t.Fatalf("the same mail in a later run: %v %s", err, res.Summary())
	}
	count := map[string]int{}
	for _, l := range e.ledger() {
		count[l.Outcome]++
	}
	if len(e.activities()) != 1 || count[store.OutcomeImported] != 1 || count[store.OutcomeDuplicate] != 3 || count[store.OutcomeQuarantined] != 0 {
		t.Errorf("%d activities, ledger outcomes %v", len(e.activities()), count)
	}
	if len(e.inbox()) != 0 || len(e.folder(errorDir)) != 0 || len(e.folder(importDir)) != 4 {
		t.Errorf("inbox %d, error folder %d, import folder %d", len(e.inbox()), len(e.folder(errorDir)), len(e.folder(importDir)))
	}
}
