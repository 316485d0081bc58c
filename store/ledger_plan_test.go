package store_test

import (
	"strings"
	"testing"

	"github.com/wfehq/wfe/store/storetest"
)

// The lookups an import makes per batch use the ledger's indexes on
// SQLite instead of reading every row of the configuration (with an OR of
// both columns SQLite scanned the ledger, and an import slowed down as it
// grew: 144 µs per mail at 10,000 mails).
func TestLedgerLookupsUseIndexes(t *testing.T) {
	s := storetest.Open(t)
	for _, q := range []struct{ sql, index string }{
		{"SELECT * FROM import_ledger WHERE mail_config_id = 1 AND content_sha256 IN ('a','b')", "import_ledger_content (mail_config_id=? AND content_sha256=?)"},
		{"SELECT * FROM import_ledger WHERE mail_config_id = 1 AND message_id IN ('a','b')", "import_ledger_message (mail_config_id=? AND message_id=?)"},
		{"SELECT uid, outcome FROM import_ledger WHERE mail_config_id = 1 AND mailbox = 'INBOX' AND uid_validity = 1 AND uid IN (1,2)", "(mail_config_id=? AND mailbox=? AND uid_validity=? AND uid=?)"},
	} {
		var plan []struct{ Detail string }
		if err := s.DB(ctx).Raw("EXPLAIN QUERY PLAN " + q.sql).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, p := range plan {
			details = append(details, p.Detail)
		}
		text := strings.Join(details, "; ")
		if !strings.Contains(text, q.index) || strings.Contains(text, "SCAN import_ledger") {
			t.Errorf("%s\n  plan: %s\n  want a search using %s", q.sql, text, q.index)
		}
	}
}
