package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/groupware"
	sc "github.com/wfehq/wfe/store/console"
	"github.com/wfehq/wfe/store/syncstate"
)

// maxPicker bounds the pending imports and partners listed on the sync
// page.
const maxPicker = 1000

// syncHeld is the part of the sync page that waits for a person: contacts
// only the groupware has (with the business partners to import them
// under) and the contact mapping.
type syncHeld struct {
	Pending  []sc.PendingImport
	Partners []sc.PartnerChoice
	// Mapping is the contact mapping (the default one when
	// MappingDefault); MappingText the same as GROUPWARE=CRM lines for the
	// editor; GroupwareFields the fields the groupware side knows.
	Mapping         []syncstate.FieldPair
	MappingDefault  bool
	MappingText     string
	GroupwareFields []string
}

func (s *Server) loadSyncHeld(r *http.Request) (*syncHeld, error) {
	ctx := r.Context()
	pending, err := s.opts.Store.Console().PendingImports(ctx, maxPicker)
	if err != nil {
		return nil, err
	}
	h := &syncHeld{Pending: pending, GroupwareFields: groupwaresync.GroupwareFieldNames()}
	if len(pending) > 0 {
		if h.Partners, err = s.opts.Store.Console().PartnerChoices(ctx, maxPicker); err != nil {
			return nil, err
		}
	}
	if h.Mapping, err = s.opts.Store.Sync().FieldMap(ctx, string(groupware.TableContacts)); err != nil {
		return nil, err
	}
	if h.Mapping == nil {
		h.Mapping, h.MappingDefault = groupwaresync.DefaultMapping(), true
	}
	lines := make([]string, len(h.Mapping))
	for i, p := range h.Mapping {
		lines[i] = p.Groupware + "=" + p.CRM
	}
	h.MappingText = strings.Join(lines, "\n")
	return h, nil
}

// adoptPending imports a pending groupware contact under the business
// partner picked: recorded, then a run of its rule for its employee
// creates it in the CRM at once (as wfe sync adopt).
func (s *Server) adoptPending(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "no pending import "+r.PathValue("id"))
		return
	}
	partnerID, err := strconv.ParseInt(r.PostFormValue("partner_id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("partner_id %q: pick a business partner", r.PostFormValue("partner_id")))
		return
	}
	p, err := s.opts.Store.Console().PendingImportByID(ctx, id)
	if err != nil {
		s.storeFailure(w, r, "pending import "+r.PathValue("id"), err)
		return
	}
	partner, err := s.opts.Store.GetPartner(ctx, partnerID)
	if err != nil {
		s.storeFailure(w, r, fmt.Sprintf("business partner %d", partnerID), err)
		return
	}
	acct := syncstate.Account{RuleID: p.RuleID, EmployeeID: p.EmployeeID}
	if err := s.opts.Store.Sync().AdoptPending(ctx, acct, partner.ID, []int64{id}); err != nil {
		s.storeFailure(w, r, "pending import "+r.PathValue("id"), err)
		return
	}
	s.audit(r, principalOf(r), "sync.adopt", fmt.Sprintf("pending import %d (%s)", id, p.Name), "partner "+partner.Name)
	rep, err := s.syncRunner().Run(ctx, p.Rule, groupwaresync.Options{Employee: p.Login})
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	s.renderSync(w, r, rep, msg)
}
