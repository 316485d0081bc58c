package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store/syncstate"
)

// saveMapping replaces the contact mapping with the editor's
// GROUPWARE=CRM lines, or restores the default one (default=1). Each pair
// is checked against every groupware system a mail configuration uses: a
// field Microsoft Graph does not expose is refused naming it.
func (s *Server) saveMapping(w http.ResponseWriter, r *http.Request) {
	var pairs []syncstate.FieldPair
	detail := "the default mapping"
	if r.PostFormValue("default") == "" {
		var err error
		if pairs, err = parseMappingLines(r.PostFormValue("mapping")); err == nil {
			err = s.checkMapping(r.Context(), pairs)
		}
		if err != nil {
			s.fail(w, r, http.StatusUnprocessableEntity, "contact mapping: "+err.Error())
			return
		}
		detail = fmt.Sprintf("%d fields", len(pairs))
	}
	if err := s.opts.Store.Sync().SetFieldMap(r.Context(), string(groupware.TableContacts), pairs); err != nil {
		s.storeFailure(w, r, "contact mapping", err)
		return
	}
	s.changed(w, r, "sync.mapping", "contact mapping", detail, "/sync", "contact mapping saved: "+detail)
}

// parseMappingLines reads one GROUPWARE=CRM pair per line (blank lines
// ignored), naming the line of a malformed one.
func parseMappingLines(text string) ([]syncstate.FieldPair, error) {
	var pairs []syncstate.FieldPair
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		gw, crm, ok := strings.Cut(line, "=")
		gw, crm = strings.TrimSpace(gw), strings.TrimSpace(crm)
		if !ok || gw == "" || crm == "" {
			return nil, fmt.Errorf("line %d %q: want GROUPWARE_FIELD=CRM_FIELD, e.g. business_phone=phone", i+1, line)
		}
		pairs = append(pairs, syncstate.FieldPair{Groupware: gw, CRM: crm})
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("no pairs given (restore the default mapping instead)")
	}
	return pairs, nil
}

// checkMapping checks pairs for CardDAV and, when a mail configuration
// syncs with Microsoft Graph, for Graph.
func (s *Server) checkMapping(ctx context.Context, pairs []syncstate.FieldPair) error {
	cfgs, err := s.opts.Store.ListMailConfigs(ctx)
	if err != nil {
		return err
	}
	// Graph first: its refusal names why the field is missing
	systems := []string{groupwaresync.SystemDAV}
	for _, c := range cfgs {
		if sys, err := groupwaresync.ParseSystem(c.CalendarSystem); err == nil && sys == groupwaresync.SystemGraph {
			systems = []string{groupwaresync.SystemGraph, groupwaresync.SystemDAV}
			break
		}
	}
	for _, sys := range systems {
		if err := (groupwaresync.Mapping{Pairs: pairs}).Check(sys); err != nil {
			return err
		}
	}
	return nil
}
