package store

import (
	"context"
	"fmt"
	"sort"
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
func (s *Store) LedgerByContents(ctx context.Context, mailConfigID int64, hashes, messageIDs []string) (LedgerMatches, error) {
	out := LedgerMatches{ByContent: map[string][]LedgerEntry{}, ByMessageID: map[string][]LedgerEntry{}}
	hs, ids := distinctNonEmpty(hashes), distinctNonEmpty(messageIDs)
	wantHash, wantID := setOf(hs), setOf(ids)
	seen := map[int64]bool{}
	var rows []LedgerEntry
	for start := 0; start < max(len(hs), len(ids)); start += lookupChunk {
		h := hs[min(start, len(hs)):min(start+lookupChunk, len(hs))]
		m := ids[min(start, len(ids)):min(start+lookupChunk, len(ids))]
		q := s.db.WithContext(ctx).Where("mail_config_id = ?", mailConfigID)
		switch {
		case len(h) > 0 && len(m) > 0:
			q = q.Where("(content_sha256 IN ? OR message_id IN ?)", h, m)
		case len(h) > 0:
			q = q.Where("content_sha256 IN ?", h)
		default:
			q = q.Where("message_id IN ?", m)
		}
		var chunk []LedgerEntry
		if err := q.Find(&chunk).Error; err != nil {
			return LedgerMatches{}, translate(err, fmt.Sprintf("ledger of mail configuration %d", mailConfigID))
		}
		for _, e := range chunk {
			if !seen[e.ID] {
				seen[e.ID] = true
				rows = append(rows, e)
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
