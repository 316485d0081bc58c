package mailimport_test

import (
	"fmt"
	"testing"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// TestImportAllTwentyIntoOneSQLite: twenty configurations imported at
// the same time into one SQLite file, in small batches (many write
// transactions contending): no import fails (none with SQLITE_BUSY),
// every mail becomes exactly one activity and every inbox ends empty.
func TestImportAllTwentyIntoOneSQLite(t *testing.T) {
	const boxes, perBox = 20, 40
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{Users: boxUsers(boxes)})
	addMailboxes(t, e, e.srv.Addr, boxes, perBox)
	res, err := mailimport.ImportAll(e.ctx, e.deps(), runAsLogin,
		mailimport.ImportOptions{Parallel: boxes, PerServer: boxes, BatchSize: 4})
	if err != nil {
		t.Fatalf("concurrent imports into one SQLite file: %v", err)
	}
	imported := 0
	for _, r := range res {
		imported += r.Imported
	}
	acts, err := st.ListActivities(e.ctx, store.ActivityFilter{Limit: boxes*perBox + 10})
	if err != nil {
		t.Fatal(err)
	}
	subjects := map[string]int{}
	for _, a := range acts {
		subjects[a.Subject]++
	}
	for i := range boxes {
		user := fmt.Sprintf("box%02d", i)
		for j := range perBox {
			if n := subjects[fmt.Sprintf("%s mail %d", user, j)]; n != 1 {
				t.Errorf("%s mail %d became %d activities, want 1", user, j, n)
			}
		}
		if left := len(e.srv.Folder(t, user, "INBOX")); left != 0 {
			t.Errorf("%d mails left in the inbox of %s", left, user)
		}
	}
	if imported != boxes*perBox || len(acts) != boxes*perBox {
		t.Errorf("%d imported, %d activities; want %d each", imported, len(acts), boxes*perBox)
	}
}
