package dav

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wfehq/wfe/groupware"
)

// Tokens handed out by Changes: a server sync-token, or the CTag of a
// collection compared by an ETag listing.
const (
	syncPrefix = "sync:"
	ctagPrefix = "ctag:"
)

const syncCollectionBody = `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>%s</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`

const listingBody = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><d:getetag/><cs:getctag/><d:sync-token/></d:prop></d:propfind>`

// changeSet is a contacts change set.
type changeSet = groupware.ChangeSet[groupware.Contact]

// Changes lists what changed since token. An empty token lists every
// member (one sync-collection REPORT); a sync token asks for the changes
// since (one REPORT, also when nothing changed). A server that refuses
// sync-collection is listed by PROPFIND instead, and its CTag is the
// token: unchanged costs one PROPFIND, changed a second one that lists
// every member's ETag (Full).
func (s *contacts) Changes(ctx context.Context, folder groupware.Folder, token string) (*changeSet, error) {
	var set *changeSet
	var err error
	switch {
	case token == "":
		set, err = s.syncCollection(ctx, folder, "")
		if err != nil && syncUnsupported(err) {
			set, err = s.listing(ctx, folder, "")
		}
	case strings.HasPrefix(token, syncPrefix):
		set, err = s.syncCollection(ctx, folder, strings.TrimPrefix(token, syncPrefix))
		if err != nil && !errors.Is(err, groupware.ErrNotFound) && !errors.Is(err, groupware.ErrAuth) && statusOf(err) != 0 {
			// Radicale answers 403 valid-sync-token, Xandikos 500: either
			// way the token is no longer usable and a full listing follows.
			err = fmt.Errorf("%w (%w)", groupware.ErrTokenExpired, err)
		}
	case strings.HasPrefix(token, ctagPrefix):
		set, err = s.listing(ctx, folder, strings.TrimPrefix(token, ctagPrefix))
	default:
		return nil, fmt.Errorf("dav: change token of %q is not one wfe made: %w", folder.Path, groupware.ErrTokenExpired)
	}
	if err != nil {
		return nil, folderError(folder, err)
	}
	return set, nil
}

// syncUnsupported tells whether a sync-collection REPORT was refused as
// unknown rather than failed.
func syncUnsupported(err error) bool {
	switch statusOf(err) {
	case http.StatusForbidden, http.StatusMethodNotAllowed, http.StatusNotImplemented, http.StatusBadRequest, http.StatusUnsupportedMediaType:
		return true
	}
	return false
}

// folderError names the folder and turns "not found" on a folder-level
// request into ErrFolderNotFound.
func folderError(folder groupware.Folder, err error) error {
	if errors.Is(err, groupware.ErrNotFound) || statusOf(err) == http.StatusConflict {
		return fmt.Errorf("address book %q: %w (%w)", folder.Path, groupware.ErrFolderNotFound, err)
	}
	return fmt.Errorf("address book %q: %w", folder.Path, err)
}

func (s *contacts) syncCollection(ctx context.Context, folder groupware.Folder, since string) (*changeSet, error) {
	body := fmt.Sprintf(syncCollectionBody, xmlEscape(since))
	set := &changeSet{Full: since == ""}
	token, err := s.c.multistatus(ctx, "REPORT", folder.ID, body, "", func(e msEntry) error {
		if e.Path == folder.ID || e.Path+"/" == folder.ID {
			return nil
		}
		switch {
		case e.Status == http.StatusNotFound || e.Status == http.StatusGone:
			if since != "" { // an initial listing also names members deleted earlier
				set.Deleted = append(set.Deleted, e.Path)
			}
		case e.Status/100 == 2:
			set.Changed = append(set.Changed, groupware.Change[groupware.Contact]{ID: e.Path, ETag: quoteETag(e.ETag)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, fmt.Errorf("dav: sync-collection of %s returned no sync-token", folder.ID)
	}
	set.Token = syncPrefix + token
	return set, nil
}

// listing compares the collection's CTag with ctag and, when it differs
// (or ctag is empty), lists every member with its ETag.
func (s *contacts) listing(ctx context.Context, folder groupware.Folder, ctag string) (*changeSet, error) {
	var current string
	if _, err := s.c.multistatus(ctx, "PROPFIND", folder.ID, listingBody, "0", func(e msEntry) error {
		current = pick(e.CTag, e.Token)
		return nil
	}); err != nil {
		return nil, err
	}
	if ctag != "" && current == ctag {
		return &changeSet{Token: ctagPrefix + ctag}, nil
	}
	set := &changeSet{Full: true, Token: ctagPrefix + current}
	_, err := s.c.multistatus(ctx, "PROPFIND", folder.ID, listingBody, "1", func(e msEntry) error {
		if e.Path != folder.ID && e.Path+"/" != folder.ID && e.Status/100 == 2 && !strings.HasSuffix(e.Path, "/") {
			set.Changed = append(set.Changed, groupware.Change[groupware.Contact]{ID: e.Path, ETag: quoteETag(e.ETag)})
		}
		return nil
	})
	return set, err
}

// multistatus sends a REPORT or PROPFIND and reads its answer one
// response at a time; it returns the sync-token element if any.
func (c *Connector) multistatus(ctx context.Context, method, path, body, depth string, each func(msEntry) error) (string, error) {
	headers := []string{"Content-Type", `application/xml; charset="utf-8"`}
	if depth != "" {
		headers = append(headers, "Depth", depth)
	}
	req, err := c.request(ctx, method, path, strings.NewReader(body), headers...)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		return "", fmt.Errorf("dav: %s %s answered %d, not a multistatus", method, path, resp.StatusCode)
	}
	return readMultistatus(resp.Body, each)
}
