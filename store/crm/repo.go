// Package crm keeps the CRM entities wfe works on: employees, business
// partners, contacts, activities with their documents, tickets, mail
// configurations, the CSV import of contacts and the ExtendedSearch
// expressions that select contacts. Secrets of employees and mail
// configurations are sealed through store/secrets; GroupwareLock follows
// store/settings.
package crm

import (
	"sync"

	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/secrets"
	"github.com/wfehq/wfe/store/settings"
)

// BlobRefs selects the blob of every document (for blob checks and
// garbage collection).
const BlobRefs = "SELECT blob_key FROM document WHERE blob_key <> ''"

// Repo is the CRM part of the store.
type Repo struct {
	db       *sqldb.DB
	keeper   *secrets.Keeper
	settings *settings.Repo

	searchMu    sync.Mutex
	searchCache map[string]*ContactMatcher
}

// New returns the CRM repository of db.
func New(db *sqldb.DB, keeper *secrets.Keeper, set *settings.Repo) *Repo {
	return &Repo{db: db, keeper: keeper, settings: set, searchCache: map[string]*ContactMatcher{}}
}
