package console_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/console"
	"github.com/wfehq/wfe/store/storetest"
	"github.com/wfehq/wfe/store/syncstate"
)

// Pending imports come with their rule and employee; the sync run records
// are those of "sync:" workflows and of the sync timer only.
func TestPendingImportsAndSyncRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rule := &syncstate.Rule{Name: "customers", Table: "contact", Scope: "all", Master: "crm", Conflict: "ask"}
		if err := s.Sync().CreateRule(ctx, rule); err != nil {
			t.Fatal(err)
		}
		emp := &store.Employee{Login: "anna", Email: "anna@firma.example"}
		if err := s.CreateEmployee(ctx, emp); err != nil {
			t.Fatal(err)
		}
		acct := syncstate.Account{RuleID: rule.ID, EmployeeID: emp.ID}
		if err := s.Sync().ReplaceHeld(ctx, acct, nil, []syncstate.Pending{{GroupwareID: "g1", Name: "Jana", Fields: map[string]string{"email": "j@x.example"}}}); err != nil {
			t.Fatal(err)
		}
		all, err := s.Console().PendingImports(ctx, 10)
		if err != nil || len(all) != 1 || all[0].Rule != "customers" || all[0].Login != "anna" || all[0].Fields["email"] != "j@x.example" {
			t.Fatalf("pending %+v %v", all, err)
		}
		if one, err := s.Console().PendingImportByID(ctx, all[0].ID); err != nil || one.Name != "Jana" {
			t.Fatalf("by id %+v %v", one, err)
		}
		if _, err := s.Console().PendingImportByID(ctx, all[0].ID+100); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing id: %v", err)
		}
		fin := time.Now()
		for _, r := range []*store.Run{{WorkflowID: "sync:customers"}, {Timer: "groupware-sync"}, {WorkflowID: "syncx"}, {WorkflowID: "MailRuleLog"}} {
			r.Status, r.StartedAt, r.FinishedAt, r.Record = store.RunSucceeded, fin, &fin, []byte(`{"rule":"customers"}`)
			if err := s.SaveRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		var seen []string
		err = s.Console().EachSyncRunRecord(ctx, "groupware-sync", func(r console.SyncRunRecord) error {
			seen = append(seen, r.WorkflowID+"|"+r.Timer+"|"+string(r.Record))
			return nil
		})
		if err != nil || len(seen) != 2 {
			t.Fatalf("sync runs %v %v", seen, err)
		}
	})
}
