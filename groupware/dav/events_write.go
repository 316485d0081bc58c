package dav

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfehq/wfe/groupware"
)

type eventWrite = groupware.Write[groupware.Event]

// Write runs creates, updates and deletes, inFlight at once, each with
// its own result; updates and deletes carry If-Match, creates
// If-None-Match: *.
func (s *calObjects) Write(ctx context.Context, folder groupware.Folder, writes []eventWrite) ([]groupware.WriteResult, error) {
	return writeAll(ctx, s.c, writes, func(w eventWrite) (groupware.WriteResult, error) { return s.create(ctx, folder, w) },
		func(w eventWrite) (groupware.WriteResult, error) { return s.update(ctx, w) })
}

// create PUTs a new object named after the CRM id, refusing to replace
// one that is there: ErrExists then, and the caller finds the first one
// with FindByCRMID.
func (s *calObjects) create(ctx context.Context, folder groupware.Folder, w eventWrite) (groupware.WriteResult, error) {
	if w.CRMID == "" || w.Item == nil {
		return groupware.WriteResult{}, errors.New("dav: a create needs a CRM id and an item")
	}
	data, err := encodeObject(w.Item, w.CRMID)
	if err != nil {
		return groupware.WriteResult{}, fmt.Errorf("%w: %w", groupware.ErrInvalidData, err)
	}
	path := folder.ID + objectName(w.CRMID)
	etag, err := s.c.putICS(ctx, path, data, "If-None-Match", "*")
	return groupware.WriteResult{ID: path, ETag: etag}, createError(folder, path, err)
}

// update reads the stored object, checks it is still the version the
// caller saw, writes the mapped fields over it keeping everything else
// (see mergeObject) and PUTs it back with If-Match.
func (s *calObjects) update(ctx context.Context, w eventWrite) (groupware.WriteResult, error) {
	if w.ID == "" || w.Item == nil {
		return groupware.WriteResult{}, errors.New("dav: an update needs an id and an item")
	}
	old, current, err := s.c.getRaw(ctx, w.ID, "text/calendar")
	if err != nil {
		return groupware.WriteResult{}, err
	}
	if w.ETag != "" && current != "" && current != w.ETag {
		return groupware.WriteResult{}, fmt.Errorf("%s is at %s, not %s: %w", w.ID, current, w.ETag, groupware.ErrPreconditionFailed)
	}
	data, err := mergeObject(old, w.Item, w.CRMID)
	if err != nil {
		return groupware.WriteResult{}, fmt.Errorf("dav: merging into %s: %w", w.ID, err)
	}
	match := w.ETag
	if match == "" {
		match = current
	}
	etag, err := s.c.putICS(ctx, w.ID, data, "If-Match", match)
	return groupware.WriteResult{ID: w.ID, ETag: etag}, err
}

func (c *Connector) putICS(ctx context.Context, path string, data []byte, headers ...string) (string, error) {
	var body spool
	defer body.Close()
	_, _ = body.Write(data)
	return c.put(ctx, path, &body, append(headers, "Content-Type", "text/calendar; charset=utf-8")...)
}
