package console

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/runs"
)

// The run list's queries read an index range on SQLite, never the whole
// table: every filter of the console has an index that starts with it
// and goes on with started_at.
func TestRunsPageQueryPlans(t *testing.T) {
	db, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "plan.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := New(db)
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for name, q := range map[string]RunQuery{
		"newest":          {},
		"next page":       {AfterStart: at, AfterID: "abc"},
		"workflow":        {WorkflowID: "ImportMails"},
		"timer":           {Timer: "mail-auto-import", AfterStart: at, AfterID: "abc"},
		"status":          {Status: runs.RunFailed},
		"timer+status":    {Timer: "mail-auto-import", Status: runs.RunFailed},
		"status in range": {Status: runs.RunFailed, Since: at.Add(-time.Hour), Until: at},
	} {
		plan := explain(t, r, r.runsPageQuery(context.Background(), q))
		for _, row := range plan {
			if strings.HasPrefix(row, "SCAN run") && !strings.Contains(row, "USING INDEX") {
				t.Errorf("%s: full scan of run: %v", name, plan)
			}
		}
		if !strings.Contains(strings.Join(plan, "\n"), "INDEX") {
			t.Errorf("%s: no index used: %v", name, plan)
		}
	}
}

// explain returns SQLite's query plan of a gorm query (the detail column).
func explain(t *testing.T, r *Repo, q *gorm.DB) []string {
	t.Helper()
	var out []runs.Run
	stmt := q.Session(&gorm.Session{DryRun: true}).Find(&out).Statement
	var rows []struct {
		ID, Parent, Notused int
		Detail              string
	}
	if err := r.db.Raw("EXPLAIN QUERY PLAN "+stmt.SQL.String(), stmt.Vars...).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var plan []string
	for _, row := range rows {
		plan = append(plan, row.Detail)
	}
	return plan
}
