package ledger

import (
	"context"
	"fmt"
	"sort"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// lookupChunk bounds the values of one IN list of a ledger lookup (SQLite
// and PostgreSQL limit the bound parameters of a statement).
const lookupChunk = 400

// LedgerMatches are the ledger rows of one mail configuration found by
// LedgerByContents, keyed by content hash and by Message-ID; every list is
// oldest first, as LedgerByContent returns it.
type LedgerMatches struct {
	ByContent   map[string][]LedgerEntry
	ByMessageID map[string][]LedgerEntry
}

// LedgerByContents looks up the ledger rows of a mail configuration whose
// content hash is one of hashes or whose Message-ID is one of messageIDs
// (empty strings are ignored) with one query per lookupChunk values of
// each list: ByContent[h] holds what LedgerByContent(ctx, id, "", h)
// returns, ByMessageID[m] what LedgerByContent(ctx, id, m, "") returns
// (absent keys: no rows).
func (s *Repo) LedgerByContents(ctx context.Context, mailConfigID int64, hashes, messageIDs []string) (LedgerMatches, error) {
	out := LedgerMatches{ByContent: map[string][]LedgerEntry{}, ByMessageID: map[string][]LedgerEntry{}}
	hs, ids := distinctNonEmpty(hashes), distinctNonEmpty(messageIDs)
	wantHash, wantID := setOf(hs), setOf(ids)
	seen := map[int64]bool{}
	var rows []LedgerEntry
	// One query per column, so that each uses its index: with "a IN ...
	// OR b IN ..." SQLite reads every ledger row of the configuration,
	// and an import would slow down as its ledger grows.
	for _, by := range []struct {
		column string
		values []string
	}{{"content_sha256", hs}, {"message_id", ids}} {
		for start := 0; start < len(by.values); start += lookupChunk {
			vs := by.values[start:min(start+lookupChunk, len(by.values))]
			var chunk []LedgerEntry
			err := s.db.WithContext(ctx).Where("mail_config_id = ? AND "+by.column+" IN ?", mailConfigID, vs).Find(&chunk).Error
			if err != nil {
				return LedgerMatches{}, sqldb.Translate(err, fmt.Sprintf("ledger of mail configuration %d", mailConfigID))
			}
			for _, e := range chunk {
				if !seen[e.ID] {
					seen[e.ID] = true
					rows = append(rows, e)
				}
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	for _, e := range rows {
		if wantHash[e.ContentSHA256] {
			out.ByContent[e.ContentSHA256] = append(out.ByContent[e.ContentSHA256], e)
		}
		if wantID[e.MessageID] {
			out.ByMessageID[e.MessageID] = append(out.ByMessageID[e.MessageID], e)
		}
	}
	return out, nil
}

// distinctNonEmpty returns the distinct non-empty values of vs in order.
func distinctNonEmpty(vs []string) []string {
	seen := make(map[string]bool, len(vs))
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func setOf(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}
