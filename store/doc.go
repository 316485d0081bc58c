// Package store keeps wfe's data on SQLite (a file path, pure-Go driver)
// or PostgreSQL (a postgres:// URL). Store composes one repository per
// concern, each in a package of its own that shares the one gorm handle
// and the one migration sequence:
//
//	store/internal/sqldb  Open, dialect, migrations, clock, sentinel errors
//	store/secrets         secrets at rest (AES-256-GCM, key check)
//	store/settings        the settings table
//	store/crm             employees, partners, contacts, activities and
//	                      documents, tickets, mail configurations,
//	                      contacts CSV, ExtendedSearch
//	store/ledger          import ledger and quarantine, batch commit,
//	                      auto-reply records
//	store/blobs           blob directory, packs, batches, check, gc
//	store/defs            workflow definitions
//	store/runs            run history
//	store/timers          timer tasks, tick claims, leases, the probe
//
// Store embeds the repositories, so their methods are Store's methods, and
// re-exports their types (store.Activity is crm.Activity); a caller that
// needs one concern may take that package's type or a small interface of
// its own. Arrows point one way: the concern packages import sqldb and
// each other (ledger uses crm to insert activities, crm seals through
// secrets), never package store. No package outside store/ gets the
// database handle: a query a caller needs becomes a method of the concern
// it belongs to.
//
// Adding a concern (for example the groupware sync state, or the
// console's tables):
//
//  1. Add the tables as the next migration, in both dialects:
//     internal/sqldb/migrations/sqlite/NNNN_<concern>.sql and
//     internal/sqldb/migrations/postgres/NNNN_<concern>.sql, with NNNN
//     one above the highest. Migrations are one sequence for all
//     concerns, applied in order on Open; a file once released never
//     changes (databases record the versions they applied).
//  2. Create store/<concern> with `type Repo struct{ db *sqldb.DB }`,
//     `func New(db *sqldb.DB, ...) *Repo` and the methods; use
//     db.WithContext(ctx) on every call, sqldb.Translate for errors and
//     db.Now() for the clock. Rows that refer to blobs hand a BlobRefs
//     query to blobs.Config.Refs, so blob checks and gc see them.
//  3. In store.go: an unexported alias (`type <concern>Repo =
//     <concern>.Repo`), an embedded field in Store, its construction in
//     Open, and aliases for the types callers use.
//  4. Tests: the concern's own tests may live in its package with
//     storetest (storetest.Each runs them on SQLite and PostgreSQL).
//
// Secrets are encrypted at rest with AES-256-GCM; document contents live
// in a content-addressed blob directory of pack files.
package store
