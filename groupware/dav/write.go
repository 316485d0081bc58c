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
	return writeAll(ctx, s.c, writes, func(w contactWrite) (groupware.WriteResult, error) { return s.create(ctx, folder, w) },
		func(w contactWrite) (groupware.WriteResult, error) { return s.update(ctx, w) })
}

// writeAll runs the writes, inFlight at once: creates and updates through
// the table's functions, deletes with If-Match when an ETag is given. A
// failed write gets a *RecordError in its result, and an authentication
// failure fails the whole call (the caller locks the account).
func writeAll[T any](ctx context.Context, c *Connector, writes []groupware.Write[T], create, update func(groupware.Write[T]) (groupware.WriteResult, error)) ([]groupware.WriteResult, error) {
	out := make([]groupware.WriteResult, len(writes))
	c.each(len(writes), func(i int) {
		w := writes[i]
		var res groupware.WriteResult
		var err error
		switch w.Op {
		case groupware.OpCreate:
			res, err = create(w)
		case groupware.OpUpdate:
			res, err = update(w)
		case groupware.OpDelete:
			res, err = groupware.WriteResult{ID: w.ID}, c.deleteResource(ctx, w.ID, w.ETag)
		default:
			err = fmt.Errorf("unknown write %v", w.Op)
		}
		if err != nil {
			res.Err = groupware.WriteError(w, err)
		}
		out[i] = res
	})
	for _, r := range out {
		if errors.Is(r.Err, groupware.ErrAuth) {
			return nil, r.Err
		}
	}
	return out, nil
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
	return groupware.WriteResult{ID: path, ETag: etag}, createError(folder, path, err)
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

// createError classifies the failure of a PUT with If-None-Match: *: a
// resource already there is ErrExists, a missing collection
// ErrFolderNotFound.
func createError(folder groupware.Folder, path string, err error) error {
	switch code := statusOf(err); {
	case code == http.StatusPreconditionFailed:
		return fmt.Errorf("%s: %w", path, groupware.ErrExists)
	case code == http.StatusNotFound || code == http.StatusConflict:
		return folderError(folder, err)
	}
	return err
}

// deleteResource deletes a resource, If-Match etag when one is given.
func (c *Connector) deleteResource(ctx context.Context, id, etag string) error {
	headers := []string{}
	if etag != "" {
		headers = append(headers, "If-Match", etag)
	}
	req, err := c.request(ctx, http.MethodDelete, id, nil, headers...)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// putSpool PUTs a spooled card with a Content-Length and returns the new
// ETag (asked for with HEAD when the server does not send it).
func (c *Connector) putSpool(ctx context.Context, path string, body *spool, headers ...string) (string, error) {
	return c.put(ctx, path, body, append(headers, "Content-Type", "text/vcard; charset=utf-8")...)
}

// put PUTs a spooled body with a Content-Length and returns the new ETag.
func (c *Connector) put(ctx context.Context, path string, body *spool, headers ...string) (string, error) {
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
