package console

import (
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// activityListColumns leave out the bodies (text and HTML), which can be
// large.
var activityListColumns = qualify("activity", "id", "acttypekey", "actstatuskey", "subject", "sender", "globalid",
	"mail_config_id", "groupwarelock", "unassigned", "created_at")

// activitiesPageQuery is the query of one page of a search; windowFrom
// (when not 0) is the lowest id it reads.
func (r *Repo) activitiesPageQuery(db *gorm.DB, q ActivityQuery, windowFrom int64) *gorm.DB {
	db = db.Select(activityListColumns).Limit(q.Limit)
	like := map[string]string{"subject": q.Subject, "sender": q.Sender}
	idColumn := "activity.id"
	if match := r.trigramMatch(q, like); match != "" {
		// the index drives the join: its rows come newest first and stop
		// when the page is full
		db = db.Table("activity_search").Joins("CROSS JOIN activity ON activity.id = activity_search.rowid").
			Where("activity_search MATCH ?", match)
		idColumn = "activity_search.rowid"
	} else {
		db = db.Table("activity")
	}
	for _, column := range []string{"subject", "sender"} {
		if text := like[column]; text != "" {
			db = db.Where("LOWER(activity."+column+") LIKE ? ESCAPE '\\'", "%"+likeEscape(strings.ToLower(text))+"%")
		}
	}
	if q.MessageID != "" {
		db = db.Where("activity.globalid = ?", q.MessageID)
	}
	if q.MailConfigID != 0 {
		db = db.Where("activity.mail_config_id = ?", q.MailConfigID)
	}
	if q.BeforeID > 0 {
		db = db.Where(idColumn+" < ?", q.BeforeID)
	}
	if windowFrom > 0 {
		db = db.Where(idColumn+" >= ?", windowFrom)
	}
	return db.Order(idColumn + " DESC")
}

// trigramMatch returns the FTS5 query of activity_search for the subject
// and sender texts the trigram index can find (a phrase of a column: the
// text anywhere in it, case folded), and removes them from like (what is
// left is matched with LIKE). It returns "" on PostgreSQL, when no text
// is long enough, and when a Message-ID is given (its index finds the
// one activity at once).
func (r *Repo) trigramMatch(q ActivityQuery, like map[string]string) string {
	if r.db.Dialect != sqldb.SQLite || q.MessageID != "" {
		return ""
	}
	var terms []string
	for _, column := range []string{"subject", "sender"} {
		text := like[column]
		if utf8.RuneCountInString(text) < trigramMin {
			continue
		}
		terms = append(terms, column+` : "`+strings.ReplaceAll(text, `"`, `""`)+`"`)
		delete(like, column)
	}
	return strings.Join(terms, " AND ")
}

// qualify prefixes each column with its table.
func qualify(table string, columns ...string) string {
	for i, c := range columns {
		columns[i] = table + "." + c
	}
	return strings.Join(columns, ", ")
}

// likeEscape escapes the LIKE wildcards of a search text.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
