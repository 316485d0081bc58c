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

// BatchLimit is how many writes go to Graph in one $batch request.
func (s *contacts) BatchLimit() int { return MaxBatch }

// Write sends creates, updates (If-Match on the change key) and deletes,
// MaxBatch per $batch request; each write gets its own result. A write
// that cannot be sent (a create without its CRM id) fails alone.
func (s *contacts) Write(ctx context.Context, folder groupware.Folder, writes []groupware.Write[groupware.Contact]) ([]groupware.WriteResult, error) {
	out := make([]groupware.WriteResult, 0, len(writes))
	for start := 0; start < len(writes); start += MaxBatch {
		chunk := writes[start:min(start+MaxBatch, len(writes))]
		res, err := s.writeChunk(ctx, folder, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	for _, r := range out {
		if errors.Is(r.Err, groupware.ErrAuth) {
			return nil, r.Err // the caller locks the account: nothing else goes on
		}
	}
	return out, nil
}

// writeChunk sends up to MaxBatch writes in one $batch and returns their
// results in the order of chunk.
func (s *contacts) writeChunk(ctx context.Context, folder groupware.Folder, chunk []groupware.Write[groupware.Contact]) ([]groupware.WriteResult, error) {
	out := make([]groupware.WriteResult, len(chunk))
	reqs := make([]batchRequest, 0, len(chunk))
	sent := make([]int, 0, len(chunk)) // index in chunk of each request
	for i, w := range chunk {
		req, err := s.writeRequest(folder, w)
		if err != nil {
			out[i] = groupware.WriteResult{ID: w.ID, Err: &groupware.RecordError{ID: recordID(w), Op: w.Op.String(), Err: err}}
			continue
		}
		reqs, sent = append(reqs, req), append(sent, i)
	}
	if len(reqs) == 0 {
		return out, nil
	}
	answers, err := s.c.batch(ctx, reqs)
	if err != nil {
		return nil, folderError(folder, err)
	}
	for k, a := range answers {
		out[sent[k]] = writeResult(chunk[sent[k]], a)
	}
	return out, nil
}

// recordID names a write's record in its error: the CRM id of a create,
// else the groupware id.
func recordID(w groupware.Write[groupware.Contact]) string {
	if w.Op == groupware.OpCreate {
		return w.CRMID
	}
	return w.ID
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
	id := recordID(w)
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
