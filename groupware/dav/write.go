package dav

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/wfehq/wfe/groupware"
)

type contactWrite = groupware.Write[groupware.Contact]

// Write runs the writes, inFlight at once, each with its own result.
func (s *contacts) Write(ctx context.Context, folder groupware.Folder, writes []contactWrite) ([]groupware.WriteResult, error) {
	out := make([]groupware.WriteResult, len(writes))
	s.c.each(len(writes), func(i int) {
		out[i] = s.writeOne(ctx, folder, writes[i])
	})
	for _, r := range out {
		if errors.Is(r.Err, groupware.ErrAuth) {
			return nil, r.Err
		}
	}
	return out, nil
}

func (s *contacts) writeOne(ctx context.Context, folder groupware.Folder, w contactWrite) groupware.WriteResult {
	var res groupware.WriteResult
	var err error
	switch w.Op {
	case groupware.OpCreate:
		res, err = s.create(ctx, folder, w)
	case groupware.OpUpdate:
		res, err = s.update(ctx, w)
	case groupware.OpDelete:
		res, err = groupware.WriteResult{ID: w.ID}, s.delete(ctx, w)
	default:
		err = fmt.Errorf("unknown write %v", w.Op)
	}
	if err != nil {
		id := w.ID
		if w.Op == groupware.OpCreate {
			id = w.CRMID
		}
		res.Err = &groupware.RecordError{ID: id, Op: w.Op.String(), Err: err}
	}
	return res
}

// create PUTs a new card named after the CRM id, refusing to replace one
// that is there (If-None-Match: *): ErrExists then, and the caller finds
// the first one with FindByCRMID.
func (s *contacts) create(ctx context.Context, folder groupware.Folder, w contactWrite) (groupware.WriteResult, error) {
	if w.CRMID == "" || w.Item == nil {
		return groupware.WriteResult{}, errors.New("dav: a create needs a CRM id and a contact")
	}
	path := folder.ID + resourceName(w.CRMID)
	var card spool
	defer card.Close()
	_, _ = card.Write(newCard(w.Item, uidOf(w.CRMID), w.CRMID)) // a new card is small: it stays in memory
	etag, err := s.c.putSpool(ctx, path, &card, "If-None-Match", "*")
	switch code := statusOf(err); {
	case code == http.StatusPreconditionFailed:
		err = fmt.Errorf("%s: %w", path, groupware.ErrExists)
	case code == http.StatusNotFound || code == http.StatusConflict:
		err = folderError(folder, err)
	}
	return groupware.WriteResult{ID: path, ETag: etag}, err
}

// update reads the current card, checks it is still the version the
// caller saw, merges the mapped fields into it (streaming; unmapped
// properties are kept) and PUTs it back with If-Match.
func (s *contacts) update(ctx context.Context, w contactWrite) (groupware.WriteResult, error) {
	if w.ID == "" || w.Item == nil {
		return groupware.WriteResult{}, errors.New("dav: an update needs an id and a contact")
	}
	req, err := s.c.request(ctx, http.MethodGet, w.ID, nil, "Accept", "text/vcard")
	if err != nil {
		return groupware.WriteResult{}, err
	}
	resp, err := s.c.Do(req)
	if err != nil {
		return groupware.WriteResult{}, err
	}
	defer resp.Body.Close()
	current := resp.Header.Get("ETag")
	if w.ETag != "" && current != "" && current != w.ETag {
		return groupware.WriteResult{}, fmt.Errorf("%s is at %s, not %s: %w", w.ID, current, w.ETag, groupware.ErrPreconditionFailed)
	}
	var merged spool
	defer merged.Close()
	if err := mergeCard(&merged, resp.Body, w.Item); err != nil {
		return groupware.WriteResult{}, fmt.Errorf("dav: merging into %s: %w", w.ID, err)
	}
	match := w.ETag
	if match == "" {
		match = current
	}
	etag, err := s.c.putSpool(ctx, w.ID, &merged, "If-Match", match)
	return groupware.WriteResult{ID: w.ID, ETag: etag}, err
}

func (s *contacts) delete(ctx context.Context, w contactWrite) error {
	headers := []string{}
	if w.ETag != "" {
		headers = append(headers, "If-Match", w.ETag)
	}
	req, err := s.c.request(ctx, http.MethodDelete, w.ID, nil, headers...)
	if err != nil {
		return err
	}
	resp, err := s.c.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// putSpool PUTs a spooled card with a Content-Length and returns the new
// ETag (asked for with HEAD when the server does not send it).
func (c *Connector) putSpool(ctx context.Context, path string, body *spool, headers ...string) (string, error) {
	headers = append(headers, "Content-Type", "text/vcard; charset=utf-8")
	req, err := c.request(ctx, http.MethodPut, path, body.reader(), headers...)
	if err != nil {
		return "", err
	}
	req.ContentLength = body.size
	req.GetBody = func() (io.ReadCloser, error) { return body.reader(), nil }
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if etag := resp.Header.Get("ETag"); etag != "" {
		return etag, nil
	}
	head, err := c.request(ctx, http.MethodHead, path, nil)
	if err != nil {
		return "", err
	}
	if resp, err = c.Do(head); err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Header.Get("ETag"), nil
}
