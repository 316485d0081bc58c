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
	r := planRepo(t)
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

// planRepo returns the console's part of a migrated, empty SQLite
// database.
func planRepo(t *testing.T) *Repo {
	t.Helper()
	db, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "plan.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return New(db)
}

// explain returns SQLite's query plan of a gorm query (the detail column).
func explain(t *testing.T, r *Repo, q *gorm.DB) []string {
	t.Helper()
	var out []map[string]any
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

// The activity search never reads the whole activity table on SQLite: a
// subject or sender text is looked up in the trigram index newest first,
// a Message-ID or a configuration in their indexes, a text too short for
// trigrams reads a range of ids; only the newest activities walk the
// table newest first, stopping when the page is full. No plan sorts the
// matches.
func TestActivitiesPageQueryPlans(t *testing.T) {
	r := planRepo(t)
	db := r.db
	for _, c := range []struct {
		name    string
		q       ActivityQuery
		newest  bool   // walks the table newest first
		window  int64  // the lowest id a short text's page reads
		indexed string // an index the plan must use
	}{
		{name: "newest", q: ActivityQuery{}, newest: true},
		{name: "short text", q: ActivityQuery{Subject: "re", BeforeID: 99}, window: 20, indexed: "INTEGER PRIMARY KEY (rowid>? AND rowid<?)"},
		{name: "short text newest", q: ActivityQuery{Sender: "ab"}, window: 20, indexed: "INTEGER PRIMARY KEY (rowid>?)"},
		{name: "short text config", q: ActivityQuery{Sender: "ab", MailConfigID: 3}, window: 20, indexed: "activity_mail_config (mail_config_id=? AND rowid>?)"},
		{name: "subject", q: ActivityQuery{Subject: "angebot"}, indexed: "VIRTUAL TABLE"},
		{name: "subject next page", q: ActivityQuery{Subject: "angebot", BeforeID: 99}, indexed: "VIRTUAL TABLE"},
		{name: "sender", q: ActivityQuery{Sender: "firma.example"}, indexed: "VIRTUAL TABLE"},
		{name: "subject+sender+config", q: ActivityQuery{Subject: "angebot", Sender: "ab", MailConfigID: 3}, indexed: "VIRTUAL TABLE"},
		{name: "message id", q: ActivityQuery{Subject: "angebot", MessageID: "<a@b>"}, indexed: "activity_globalid"},
		{name: "config", q: ActivityQuery{MailConfigID: 3, BeforeID: 99}, indexed: "activity_mail_config"},
	} {
		c.q.Limit = 50
		plan := explain(t, r, r.activitiesPageQuery(db.WithContext(context.Background()), c.q, c.window))
		all := strings.Join(plan, "\n")
		for _, row := range plan {
			if (row == "SCAN activity" || strings.HasPrefix(row, "SCAN activity ")) && !c.newest {
				t.Errorf("%s: scan of activity: %v", c.name, plan)
			}
		}
		if strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s: sorts the matches: %v", c.name, plan)
		}
		if c.newest && (len(plan) != 1 || plan[0] != "SCAN activity") {
			t.Errorf("%s: not a walk newest first: %v", c.name, plan)
		}
		if !strings.Contains(all, c.indexed) {
			t.Errorf("%s: %s not used: %v", c.name, c.indexed, plan)
		}
		if c.indexed == "VIRTUAL TABLE" && !strings.Contains(all, "SEARCH activity USING INTEGER PRIMARY KEY") {
			t.Errorf("%s: activity not read by id: %v", c.name, plan)
		}
	}
}
