package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
)

// quarantineRow is a quarantined mail with its configuration's name.
type quarantineRow struct {
	store.LedgerEntry
	MatchCode string
}

// quarantinePage lists the newest quarantined mails with their reason;
// each raw message can be downloaded.
func (s *Server) quarantinePage(w http.ResponseWriter, r *http.Request) {
	entries, err := s.opts.Store.ListLedger(r.Context(), 0, store.OutcomeQuarantined, 500)
	if err != nil {
		s.internal(w, r, "list the quarantine", err)
		return
	}
	cfgs, err := s.opts.Store.ListMailConfigs(r.Context())
	if err != nil {
		s.internal(w, r, "list mail configurations", err)
		return
	}
	names := map[int64]string{}
	for _, c := range cfgs {
		names[c.ID] = c.MatchCode
	}
	replayed, err := s.opts.Store.ListLedger(r.Context(), 0, sc.OutcomeReplayed, 100)
	if err != nil {
		s.internal(w, r, "list replayed mails", err)
		return
	}
	named := func(entries []store.LedgerEntry) []quarantineRow {
		rows := make([]quarantineRow, len(entries))
		for i, e := range entries {
			rows[i] = quarantineRow{LedgerEntry: e, MatchCode: names[e.MailConfigID]}
		}
		return rows
	}
	s.render(w, r, http.StatusOK, "quarantine", quarantineData{Quarantined: named(entries), Replayed: named(replayed)})
}

// quarantineData is the quarantine page: the mails in quarantine and the
// newest replayed ones (kept, with the activity each became).
type quarantineData struct {
	Quarantined []quarantineRow
	Replayed    []quarantineRow
}

// quarantinedRaw sends the raw message of a quarantined mail as a .eml
// download.
func (s *Server) quarantinedRaw(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "no quarantined mail "+r.PathValue("id"))
		return
	}
	e, err := s.opts.Store.Console().LedgerEntry(r.Context(), id)
	if err != nil {
		s.storeFailure(w, r, "quarantined mail "+r.PathValue("id"), err)
		return
	}
	if e.Outcome == store.OutcomeQuarantined && e.RawBlob != "" {
		raw, err := s.opts.Store.OpenBlob(e.RawBlob)
		if err != nil {
			s.internal(w, r, "open the raw message", err)
			return
		}
		defer raw.Close()
		w.Header().Set("Content-Type", "message/rfc822")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="quarantined-%d.eml"`, e.ID))
		io.Copy(w, raw)
		return
	}
	s.fail(w, r, http.StatusNotFound, "no raw message of quarantined mail "+r.PathValue("id"))
}

// replayQuarantined takes a quarantined mail through the import again
// (after the cause was fixed): imported, the entry is marked replayed;
// failing again, it stays with the new reason, shown in the note.
func (s *Server) replayQuarantined(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "no quarantined mail "+r.PathValue("id"))
		return
	}
	runAs, err := s.replayRunAs(r)
	if err != nil {
		s.fail(w, r, http.StatusConflict, "the employee to replay as: "+err.Error())
		return
	}
	deps := mailimport.Deps{Store: s.opts.Store, Logger: s.opts.Logger, Now: s.opts.Now}
	res, err := mailimport.Replay(r.Context(), deps, id, runAs)
	switch {
	case errors.Is(err, mailimport.ErrNotQuarantined):
		s.fail(w, r, http.StatusConflict, "mail "+r.PathValue("id")+" is not in quarantine (replayed already?)")
		return
	case err != nil:
		s.storeFailure(w, r, "quarantined mail "+r.PathValue("id"), err)
		return
	}
	target := "ledger entry " + r.PathValue("id")
	if res.Outcome == store.OutcomeQuarantined {
		s.changed(w, r, "quarantine.replay", target, "failed again: "+res.Reason, "/quarantine",
			"mail "+r.PathValue("id")+" is still quarantined: "+res.Reason)
		return
	}
	note := fmt.Sprintf("mail %d replayed: %s as activity %d", id, res.Outcome, res.ActivityID)
	s.changed(w, r, "quarantine.replay", target, fmt.Sprintf("%s as activity %d (as %s)", res.Outcome, res.ActivityID, orNobody(runAs)),
		"/quarantine", note)
}

// replayRunAs is the employee a replay imports as (Options.ReplayRunAs).
func (s *Server) replayRunAs(r *http.Request) (string, error) {
	if s.opts.ReplayRunAs == nil {
		return "", nil
	}
	return s.opts.ReplayRunAs(r.Context())
}

func orNobody(login string) string {
	if login == "" {
		return "nobody"
	}
	return login
}
