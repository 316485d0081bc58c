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

// member is one resource of a collection with its ETag.
type member struct{ path, etag string }

// rawChanges is a change set before it is typed for a table.
type rawChanges struct {
	changed []member
	deleted []string
	token   string
	full    bool
}

func changeSetOf[T any](r *rawChanges) *groupware.ChangeSet[T] {
	set := &groupware.ChangeSet[T]{Deleted: r.deleted, Token: r.token, Full: r.full}
	for _, m := range r.changed {
		set.Changed = append(set.Changed, groupware.Change[T]{ID: m.path, ETag: m.etag})
	}
	return set
}

// lister lists every member of a collection that is in scope: for address
// books all cards, for calendars the objects of one component in the
// window. It also returns the collection's CTag (or sync-token) when the
// listing showed it, "" otherwise.
type lister func(ctx context.Context, folder groupware.Folder) ([]member, string, error)

// changes is Changes for any table. A sync token asks for the changes
// since (one sync-collection REPORT, also when nothing changed); a CTag
// token is compared with the collection's (one PROPFIND) and, when it
// differs, every member in scope is listed (Full); the token of a server
// that keeps no CTag lists at once. An empty token is answered by
// initial.
func (c *Connector) changes(ctx context.Context, folder groupware.Folder, token string, initial func() (*rawChanges, error), all lister) (*rawChanges, error) {
	var set *rawChanges
	var err error
	switch {
	case token == "":
		set, err = initial()
	case strings.HasPrefix(token, syncPrefix):
		set, err = c.syncCollection(ctx, folder, strings.TrimPrefix(token, syncPrefix))
		if err != nil && !errors.Is(err, groupware.ErrNotFound) && !errors.Is(err, groupware.ErrAuth) && statusOf(err) != 0 {
			// Radicale answers 403 valid-sync-token, Xandikos 500: either
			// way the token is no longer usable and a full listing follows.
			err = fmt.Errorf("%w (%w)", groupware.ErrTokenExpired, err)
		}
	case strings.HasPrefix(token, ctagPrefix):
		set, err = c.listing(ctx, folder, strings.TrimPrefix(token, ctagPrefix), all)
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
	what := "address book"
	if folder.Table != groupware.TableContacts && folder.Table != "" {
		what = "calendar"
	}
	if errors.Is(err, groupware.ErrNotFound) || statusOf(err) == http.StatusConflict {
		return fmt.Errorf("%s %q: %w (%w)", what, folder.Path, groupware.ErrFolderNotFound, err)
	}
	return fmt.Errorf("%s %q: %w", what, folder.Path, err)
}

func isCollection(folder groupware.Folder, path string) bool {
	return path == folder.ID || path+"/" == folder.ID
}

func (c *Connector) syncCollection(ctx context.Context, folder groupware.Folder, since string) (*rawChanges, error) {
	body := fmt.Sprintf(syncCollectionBody, xmlEscape(since))
	set := &rawChanges{full: since == ""}
	token, err := c.multistatus(ctx, "REPORT", folder.ID, body, "", func(e msEntry) error {
		if isCollection(folder, e.Path) {
			return nil
		}
		switch {
		case e.Status == http.StatusNotFound || e.Status == http.StatusGone:
			if since != "" { // an initial listing also names members deleted earlier
				set.deleted = append(set.deleted, e.Path)
			}
		case e.Status/100 == 2:
			set.changed = append(set.changed, member{path: e.Path, etag: quoteETag(e.ETag)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, fmt.Errorf("dav: sync-collection of %s returned no sync-token", folder.ID)
	}
	set.token = syncPrefix + token
	return set, nil
}

// collectionState reads the collection's CTag and sync-token (one
// PROPFIND of depth 0).
func (c *Connector) collectionState(ctx context.Context, folder groupware.Folder) (ctag, syncToken string, err error) {
	_, err = c.multistatus(ctx, "PROPFIND", folder.ID, listingBody, "0", func(e msEntry) error {
		ctag, syncToken = pick(ctag, e.CTag), pick(syncToken, e.Token)
		return nil
	})
	return ctag, syncToken, err
}

// listing compares the collection's CTag with ctag (one PROPFIND of
// depth 0) and, when it differs, lists every member in scope with its
// ETag (Full). An empty ctag (a first listing, or a server that keeps no
// CTag) lists at once: the listing itself is then the only request.
func (c *Connector) listing(ctx context.Context, folder groupware.Folder, ctag string, all lister) (*rawChanges, error) {
	current := ""
	if ctag != "" {
		state, token, err := c.collectionState(ctx, folder)
		if err != nil {
			return nil, err
		}
		if current = pick(state, token); current == ctag {
			return &rawChanges{token: ctagPrefix + ctag}, nil
		}
	}
	members, seen, err := all(ctx, folder)
	if err != nil {
		return nil, err
	}
	return &rawChanges{full: true, token: ctagPrefix + pick(seen, current), changed: members}, nil
}

// propfindMembers lists every member of a collection with its ETag, and
// the collection's own CTag or sync-token, in one PROPFIND of depth 1.
func (c *Connector) propfindMembers(ctx context.Context, folder groupware.Folder) ([]member, string, error) {
	var out []member
	var ctag, token string
	_, err := c.multistatus(ctx, "PROPFIND", folder.ID, listingBody, "1", func(e msEntry) error {
		switch {
		case isCollection(folder, e.Path):
			ctag, token = pick(ctag, e.CTag), pick(token, e.Token)
		case e.Status/100 == 2 && !strings.HasSuffix(e.Path, "/"):
			out = append(out, member{path: e.Path, etag: quoteETag(e.ETag)})
		}
		return nil
	})
	return out, pick(ctag, token), err
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
