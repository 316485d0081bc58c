package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wfehq/wfe/groupware"
)

// contacts is the contacts table of one mailbox.
type contacts struct{ c *Connector }

var _ groupware.Source[groupware.Contact] = (*contacts)(nil)

type deltaPage struct {
	Value     []contactJSON `json:"value"`
	NextLink  string        `json:"@odata.nextLink"`
	DeltaLink string        `json:"@odata.deltaLink"`
}

// Changes follows the folder's contacts/delta: an empty token starts a
// full listing, a token is the deltaLink of the last run (one request
// when nothing changed). Pages are followed through @odata.nextLink; an
// item listed twice (changed again while paging) appears once, in its last
// state. 410 Gone is ErrTokenExpired.
func (s *contacts) Changes(ctx context.Context, folder groupware.Folder, token string) (*groupware.ChangeSet[groupware.Contact], error) {
	link := token
	if token == "" {
		link = s.c.contactsPath(folder) + "/delta"
	}
	order := []string{}
	latest := map[string]*contactJSON{}
	for {
		var page deltaPage
		if err := s.c.getJSON(ctx, link, &page); err != nil {
			return nil, folderError(folder, err)
		}
		for i := range page.Value {
			item := &page.Value[i]
			if _, seen := latest[item.ID]; !seen {
				order = append(order, item.ID)
			}
			latest[item.ID] = item
		}
		if page.NextLink != "" {
			link = page.NextLink
			continue
		}
		if page.DeltaLink == "" {
			return nil, fmt.Errorf("graph: contacts delta of %q ended without a deltaLink", folder.Path)
		}
		return changeSet(order, latest, page.DeltaLink, token == ""), nil
	}
}

func changeSet(order []string, latest map[string]*contactJSON, next string, full bool) *groupware.ChangeSet[groupware.Contact] {
	set := &groupware.ChangeSet[groupware.Contact]{Token: next, Full: full}
	for _, id := range order {
		item := latest[id]
		if item.Removed != nil {
			set.Deleted = append(set.Deleted, id)
			continue
		}
		set.Changed = append(set.Changed, groupware.Change[groupware.Contact]{ID: id, ETag: item.etag(), Item: item.contact()})
	}
	return set
}

// folderError names the folder and turns "not found" on a folder-level
// request into ErrFolderNotFound.
func folderError(folder groupware.Folder, err error) error {
	if errors.Is(err, groupware.ErrNotFound) {
		return fmt.Errorf("contacts folder %q: %w (%w)", folder.Path, groupware.ErrFolderNotFound, err)
	}
	return fmt.Errorf("contacts folder %q: %w", folder.Path, err)
}

// Get reads contacts with their CRM id, MaxBatch per $batch request.
func (s *contacts) Get(ctx context.Context, folder groupware.Folder, ids []string) ([]groupware.Result[groupware.Contact], error) {
	out := make([]groupware.Result[groupware.Contact], 0, len(ids))
	for start := 0; start < len(ids); start += MaxBatch {
		chunk := ids[start:min(start+MaxBatch, len(ids))]
		reqs := make([]batchRequest, len(chunk))
		for i, id := range chunk {
			reqs[i] = batchRequest{Method: http.MethodGet, URL: s.c.userPath + "/contacts/" + url.PathEscape(id) + "?" + expandCRMID}
		}
		answers, err := s.c.batch(ctx, reqs)
		if err != nil {
			return nil, folderError(folder, err)
		}
		for i, a := range answers {
			out = append(out, readResult(chunk[i], a))
		}
	}
	return out, nil
}

func readResult(id string, a batchResponse) groupware.Result[groupware.Contact] {
	if err := a.err(); err != nil {
		return groupware.Result[groupware.Contact]{ID: id, Err: &groupware.RecordError{ID: id, Op: "get", Err: err}}
	}
	var j contactJSON
	if err := json.Unmarshal(a.Body, &j); err != nil {
		return groupware.Result[groupware.Contact]{ID: id, Err: &groupware.RecordError{ID: id, Op: "get", Err: err}}
	}
	return groupware.Result[groupware.Contact]{ID: id, Item: j.contact()}
}

// FindByCRMID finds the contact of the folder that carries crmID in wfe's
// extended property; ErrNotFound when there is none.
func (s *contacts) FindByCRMID(ctx context.Context, folder groupware.Folder, crmID string) (*groupware.Contact, error) {
	filter := "singleValueExtendedProperties/Any(ep: ep/id eq '" + crmIDProperty + "' and ep/value eq '" + strings.ReplaceAll(crmID, "'", "''") + "')"
	link := s.c.contactsPath(folder) + "?$filter=" + url.QueryEscape(filter) + "&" + expandCRMID
	var page deltaPage
	if err := s.c.getJSON(ctx, link, &page); err != nil {
		return nil, folderError(folder, err)
	}
	if len(page.Value) == 0 {
		return nil, fmt.Errorf("contact with CRM id %q in %q: %w", crmID, folder.Path, groupware.ErrNotFound)
	}
	return page.Value[0].contact(), nil
}
