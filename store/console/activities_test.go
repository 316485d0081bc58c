package console_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/store/console"
	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/storetest"
)

// searchSubjects are the subjects of the search tests, with the text
// searched for in several cases, markup, LIKE wildcards, quotes and a
// non-ASCII capital.
var searchSubjects = []string{
	"Angebot 4711 Fenster", "AW: angebot 4711", "Rechnung 2026-04", "Äpfel und Birnen", "50% Rabatt",
	"xyz_1", "xyzA1", `Zitat "Angebot"`, "<img src=x onerror=alert(1)>", "ÄPFEL bestellt", "Re: Rechnung",
}

// eachDB runs f on a migrated SQLite database and, when WFE_TEST_POSTGRES
// is set, on a fresh PostgreSQL schema.
func eachDB(t *testing.T, f func(t *testing.T, db *sqldb.DB, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { openAndRun(t, filepath.Join(t.TempDir(), "search.db"), f) })
	t.Run("postgres", func(t *testing.T) { openAndRun(t, storetest.PostgresDSN(t), f) })
}

func openAndRun(t *testing.T, dsn string, f func(t *testing.T, db *sqldb.DB, dsn string)) {
	db, err := sqldb.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f(t, db, dsn)
}

// addActivities inserts activities with SQL (as any writer of the table
// would) and returns their ids in order.
func addActivities(t *testing.T, db *sqldb.DB, subjects ...string) []int64 {
	t.Helper()
	var ids []int64
	for i, s := range subjects {
		var id int64
		at := time.Date(2026, 12, 1, 0, 0, i, 0, time.UTC)
		err := db.Raw(`INSERT INTO activity (acttypekey, subject, sender, created_at, updated_at)
VALUES ('EMAILEINGANG', ?, ?, ?, ?) RETURNING id`, s, senderOf(i), at, at).Scan(&id).Error
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func senderOf(i int) string {
	return []string{"Kunde@Firma.example", "ab@c.example", "einkauf@lieferant.example"}[i%3]
}

// wantIDs is what the search must find: the activities whose subject and
// sender contain the texts, ignoring case, newest first.
func wantIDs(ids []int64, subjects []string, subject, sender string) []int64 {
	var out []int64
	for i := len(ids) - 1; i >= 0; i-- {
		if strings.Contains(strings.ToLower(subjects[i]), strings.ToLower(subject)) &&
			strings.Contains(strings.ToLower(senderOf(i)), strings.ToLower(sender)) {
			out = append(out, ids[i])
		}
	}
	return out
}

// searchAll pages through the search two at a time with the keyset
// cursor and returns every id found and how many pages stopped at a
// window's end. A short text is looked for three activities at a time,
// for budget (0: one window a page).
func searchAll(t *testing.T, r *console.Repo, q console.ActivityQuery, budget time.Duration) (ids []int64, windows int) {
	t.Helper()
	console.SetShortTextWindow(r, 3, budget)
	q.Limit = 2
	for {
		page, err := r.SearchActivities(context.Background(), q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		for _, a := range page.Activities {
			ids = append(ids, a.ID)
		}
		if page.WindowFrom != 0 {
			windows++
			if len(page.Activities) >= 2 || page.NextBefore != page.WindowFrom ||
				len(page.Activities) > 0 && page.Activities[len(page.Activities)-1].ID < page.WindowFrom {
				t.Fatalf("%+v: page %+v", q, page)
			}
		}
		if page.NextBefore == 0 {
			return ids, windows
		}
		q.BeforeID = page.NextBefore
	}
}

// The search finds the text anywhere in the subject or the sender,
// ignoring case (also of non-ASCII letters when the text has three
// characters or more), takes %, _ and quotes literally, and pages newest
// first; the index follows inserts, updates and deletes.
func TestActivitySearchFindsSubstrings(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqldb.DB, _ string) {
		r := console.New(db)
		subjects := slices.Clone(searchSubjects)
		ids := addActivities(t, db, subjects...)
		check := func(subject, sender string) {
			t.Helper()
			for _, budget := range []time.Duration{0, time.Hour} {
				got, windows := searchAll(t, r, console.ActivityQuery{Subject: subject, Sender: sender}, budget)
				if want := wantIDs(ids, subjects, subject, sender); !slices.Equal(got, want) {
					t.Errorf("subject %q sender %q (%s per page): got %v, want %v", subject, sender, budget, got, want)
				}
				short := len([]rune(subject)) < 3 && subject != "" || len([]rune(sender)) < 3 && sender != ""
				if (windows > 0) != (short && budget == 0) {
					t.Errorf("subject %q sender %q (%s per page): %d pages stopped at a window's end", subject, sender, budget, windows)
				}
			}
		}
		for _, text := range []string{"angebot", "ANGEBOT 4711", "4711", "äpfel", "Äpfel", "50%", "%", "xyz_", "_",
			`"Angebot"`, "onerror=alert(1)>", "Re", "re: r", "zzz", "nicht da", "ng"} {
			check(text, "")
		}
		check("", "firma")
		check("", "AB@")
		check("angebot", "kunde")
		check("rechnung", "ab")
		if err := db.Exec("UPDATE activity SET subject = ? WHERE id = ?", "Mahnung 4711", ids[2]).Error; err != nil {
			t.Fatal(err)
		}
		subjects[2] = "Mahnung 4711"
		if err := db.Exec("DELETE FROM activity WHERE id = ?", ids[0]).Error; err != nil {
			t.Fatal(err)
		}
		ids, subjects = ids[1:], subjects[1:]
		check("4711", "")
		check("rechnung", "")
		check("mahnung", "")
	})
}

// Migration 0011 indexes the activities that exist when it runs: the
// index and its triggers are dropped and the migration is applied again
// to activities written without them.
func TestActivitySearchMigrationBackfills(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqldb.DB, dsn string) {
		drop := []string{"DROP INDEX activity_subject_trgm", "DROP INDEX activity_sender_trgm", "DROP INDEX activity_mail_config"}
		if db.Dialect == sqldb.SQLite {
			drop = []string{"DROP TRIGGER activity_search_insert", "DROP TRIGGER activity_search_delete",
				"DROP TRIGGER activity_search_update", "DROP TABLE activity_search", "DROP INDEX activity_mail_config"}
		}
		for _, q := range append(drop, "DELETE FROM schema_version WHERE version >= 11") {
			if err := db.Exec(q).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		ids := addActivities(t, db, searchSubjects...)
		db.Close()
		again, err := sqldb.Open(context.Background(), dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		got, _ := searchAll(t, console.New(again), console.ActivityQuery{Subject: "angebot"}, 0)
		if want := wantIDs(ids, searchSubjects, "angebot", ""); !slices.Equal(got, want) {
			t.Fatalf("after the migration: got %v, want %v", got, want)
		}
		if again.Dialect == sqldb.SQLite {
			var n int64
			again.Raw("SELECT count(*) FROM activity_search WHERE activity_search MATCH 'subject : \"angebot\"'").Scan(&n)
			if n != 3 {
				t.Fatalf("the index holds %d activities with angebot, want 3", n)
			}
			return
		}
		var trgm, indexes int64
		again.Raw("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'").Scan(&trgm)
		again.Raw(`SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema()
AND indexname IN ('activity_subject_trgm', 'activity_sender_trgm')`).Scan(&indexes)
		if trgm == 1 && indexes != 2 {
			t.Fatalf("pg_trgm is installed but %d of the 2 trigram indexes exist", indexes)
		}
	})
}
