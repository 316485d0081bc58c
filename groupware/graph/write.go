package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/wfehq/wfe/groupware"
)

// Write sends creates, updates (If-Match on the change key) and deletes,
// MaxBatch per $batch request; each write gets its own result.
func (s *contacts) Write(ctx context.Context, folder groupware.Folder, writes []groupware.Write[groupware.Contact]) ([]groupware.WriteResult, error) {
	out := make([]groupware.WriteResult, 0, len(writes))
	for start := 0; start < len(writes); start += MaxBatch {
		chunk := writes[start:min(start+MaxBatch, len(writes))]
		reqs := make([]batchRequest, len(chunk))
		for i, w := range chunk {
			req, err := s.writeRequest(folder, w)
			if err != nil {
				return nil, err
			}
			reqs[i] = req
		}
		answers, err := s.c.batch(ctx, reqs)
		if err != nil {
			return nil, folderError(folder, err)
		}
		for i, a := range answers {
			out = append(out, writeResult(chunk[i], a))
		}
	}
	for _, r := range out {
		if errors.Is(r.Err, groupware.ErrAuth) {
			return nil, r.Err // the caller locks the account: nothing else goes on
		}
	}
	return out, nil
}

// writeRequest is one write as a part of a $batch.
func (s *contacts) writeRequest(folder groupware.Folder, w groupware.Write[groupware.Contact]) (batchRequest, error) {
	item := s.c.userPath + "/contacts/" + url.PathEscape(w.ID)
	headers := map[string]string{}
	if w.ETag != "" {
		headers["If-Match"] = w.ETag
	}
	switch w.Op {
	case groupware.OpCreate:
		if w.CRMID == "" || w.Item == nil {
			return batchRequest{}, errors.New("graph: a create needs a CRM id and a contact")
		}
		body, err := json.Marshal(toJSON(w.Item, w.CRMID))
		return batchRequest{Method: http.MethodPost, URL: s.c.contactsPath(folder), Body: body,
			Headers: map[string]string{"Content-Type": "application/json"}}, err
	case groupware.OpUpdate:
		if w.ID == "" || w.Item == nil {
			return batchRequest{}, errors.New("graph: an update needs an id and a contact")
		}
		body, err := json.Marshal(toJSON(w.Item, ""))
		headers["Content-Type"] = "application/json"
		return batchRequest{Method: http.MethodPatch, URL: item, Body: body, Headers: headers}, err
	case groupware.OpDelete:
		if w.ID == "" {
			return batchRequest{}, errors.New("graph: a delete needs an id")
		}
		return batchRequest{Method: http.MethodDelete, URL: item, Headers: headers}, nil
	}
	return batchRequest{}, fmt.Errorf("graph: unknown write %v", w.Op)
}

// writeResult reads one part's answer: the new id and change key of a
// create or update, or the record's error. A create that finds its folder
// gone reports ErrFolderNotFound.
func writeResult(w groupware.Write[groupware.Contact], a batchResponse) groupware.WriteResult {
	id := w.ID
	if w.Op == groupware.OpCreate {
		id = w.CRMID
	}
	if err := a.err(); err != nil {
		if w.Op == groupware.OpCreate && errors.Is(err, groupware.ErrNotFound) {
			err = fmt.Errorf("%w (%w)", groupware.ErrFolderNotFound, err)
		}
		return groupware.WriteResult{ID: w.ID, Err: &groupware.RecordError{ID: id, Op: w.Op.String(), Err: err}}
	}
	if w.Op == groupware.OpDelete {
		return groupware.WriteResult{ID: w.ID}
	}
	var j contactJSON
	if err := json.Unmarshal(a.Body, &j); err != nil {
		return groupware.WriteResult{ID: w.ID, Err: &groupware.RecordError{ID: id, Op: w.Op.String(), Err: err}}
	}
	return groupware.WriteResult{ID: j.ID, ETag: j.etag()}
}
