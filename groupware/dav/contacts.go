package dav

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/wfehq/wfe/groupware"
)

// contacts is the account's address books.
type contacts struct{ c *Connector }

var _ groupware.Source[groupware.Contact] = (*contacts)(nil)

// multigetSize is how many cards one addressbook-multiget asks for.
const multigetSize = 100

const multigetHead = `<?xml version="1.0" encoding="utf-8"?>
<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data/></d:prop>`

type result = groupware.Result[groupware.Contact]

// Get reads cards with addressbook-multiget, multigetSize per request,
// each card parsed as its response arrives. When a multiget fails as a
// whole (a server that cannot render one of the cards), its cards are read
// one by one, so only the broken one reports an error.
func (s *contacts) Get(ctx context.Context, folder groupware.Folder, ids []string) ([]result, error) {
	return getInChunks(folder, ids, func(chunk []string) ([]result, error) {
		return s.multiget(ctx, folder, chunk)
	}, func(chunk []string) []result { return s.getEach(ctx, chunk) })
}

// getInChunks reads ids with multiget, multigetSize per request, and
// reads a chunk whose multiget failed as a whole with getEach.
func getInChunks[T any](folder groupware.Folder, ids []string, multiget func([]string) ([]groupware.Result[T], error), getEach func([]string) []groupware.Result[T]) ([]groupware.Result[T], error) {
	out := make([]groupware.Result[T], 0, len(ids))
	for start := 0; start < len(ids); start += multigetSize {
		chunk := ids[start:min(start+multigetSize, len(ids))]
		got, err := multiget(chunk)
		if errors.Is(err, groupware.ErrServer) {
			got = getEach(chunk)
		} else if err != nil {
			return nil, folderError(folder, err)
		}
		out = append(out, got...)
	}
	return out, nil
}

func (s *contacts) multiget(ctx context.Context, folder groupware.Folder, ids []string) ([]result, error) {
	byPath, err := s.c.multigetEntries(ctx, folder, multigetHead, "</c:addressbook-multiget>", ids)
	if err != nil {
		return nil, err
	}
	out := make([]result, len(ids))
	for i, id := range ids {
		r := result{Err: fmt.Errorf("not in the multiget answer: %w", groupware.ErrNotFound)}
		if e, ok := byPath[id]; ok {
			r = entryResult(e)
		}
		r.ID = id
		if r.Err != nil {
			r.Err = &groupware.RecordError{ID: id, Op: "get", Err: r.Err}
		}
		out[i] = r
	}
	return out, nil
}

// multigetEntries sends one addressbook- or calendar-multiget REPORT for
// ids and returns its responses by path.
func (c *Connector) multigetEntries(ctx context.Context, folder groupware.Folder, head, tail string, ids []string) (map[string]msEntry, error) {
	var body strings.Builder
	body.WriteString(head)
	for _, id := range ids {
		body.WriteString("<d:href>" + xmlEscape(c.hrefOf(id)) + "</d:href>")
	}
	body.WriteString(tail)
	byPath := map[string]msEntry{}
	_, err := c.multistatus(ctx, "REPORT", folder.ID, body.String(), "1", func(e msEntry) error {
		byPath[e.Path] = e
		return nil
	})
	return byPath, err
}

// entryResult reads one multiget response.
func entryResult(e msEntry) result {
	if e.Status/100 != 2 {
		return result{Err: &StatusError{Method: "REPORT", Path: e.Path, Code: e.Status}}
	}
	c, err := readCard(strings.NewReader(e.Data))
	if err != nil {
		return result{Err: err}
	}
	c.ID, c.ETag = e.Path, quoteETag(e.ETag)
	return result{Item: c}
}

// getEach reads cards one GET at a time, inFlight at once.
func (s *contacts) getEach(ctx context.Context, ids []string) []result {
	out := make([]result, len(ids))
	s.c.each(len(ids), func(i int) {
		c, err := s.c.getCard(ctx, ids[i])
		out[i] = result{ID: ids[i], Item: c}
		if err != nil {
			out[i].Err = &groupware.RecordError{ID: ids[i], Op: "get", Err: err}
		}
	})
	return out
}

// getCard reads one card, streaming it through the vCard reader.
func (c *Connector) getCard(ctx context.Context, path string) (*groupware.Contact, error) {
	req, err := c.request(ctx, http.MethodGet, path, nil, "Accept", "text/vcard")
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	card, err := readCard(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("dav: reading %s: %w", path, err)
	}
	card.ID, card.ETag = path, resp.Header.Get("ETag")
	return card, nil
}

// each runs f for 0..n-1 with at most inFlight running at once.
func (c *Connector) each(n int, f func(i int)) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, c.inFlight)
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			f(i)
		})
	}
	wg.Wait()
}

// hrefOf is the escaped URL path of a server path.
func (c *Connector) hrefOf(path string) string {
	u := *c.base
	u.Path, u.RawPath = path, ""
	return u.EscapedPath()
}

// FindByCRMID reads the card wfe created for crmID: its resource name is
// derived from the CRM id, so this is one GET.
func (s *contacts) FindByCRMID(ctx context.Context, folder groupware.Folder, crmID string) (*groupware.Contact, error) {
	c, err := s.c.getCard(ctx, folder.ID+resourceName(crmID))
	if err != nil {
		return nil, fmt.Errorf("contact with CRM id %q in %q: %w", crmID, folder.Path, err)
	}
	return c, nil
}

// resourceName is the card name for a CRM id: "wfe-" and the id with
// every byte outside [A-Za-z0-9.-] written as _XX, so distinct ids give
// distinct names that every server accepts (Radicale refuses "/").
func resourceName(crmID string) string {
	return uidOf(crmID) + ".vcf"
}

func uidOf(crmID string) string {
	var b strings.Builder
	b.WriteString("wfe-")
	for i := 0; i < len(crmID); i++ {
		ch := crmID[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-' {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "_%02X", ch)
		}
	}
	return b.String()
}
