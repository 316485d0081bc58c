package store

import "github.com/wfehq/wfe/store/internal/sqldb"

// WriteTurns sums the write turns of a SQLite file in this process: how
// many were taken, how long they were held and how long writers waited.
type WriteTurns = sqldb.WriteTurns

// WriteTurns tells how busy the single writer of the SQLite file has been
// in this process so far (zero on PostgreSQL, where writers do not queue).
func (s *Store) WriteTurns() WriteTurns {
	if s.db.Dialect != SQLite {
		return WriteTurns{}
	}
	return sqldb.WriteTurnsOf(s.db.Path)
}
