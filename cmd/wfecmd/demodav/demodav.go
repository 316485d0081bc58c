// Package demodav is the in-process CardDAV server of `wfe demo`: one
// user, one address book held in memory, served by go-webdav's CardDAV
// handler on a loopback port. It honours If-Match and If-None-Match on
// PUT, so the sync's conditional writes behave as on a real server. It
// has no authentication and keeps nothing on disk: it is for showing
// the sync, not for use.
package demodav

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/carddav"
)

// The server's fixed paths; go-webdav's handler tells a resource's kind
// by its depth: principal, address-book home set, address book, card.
const (
	Principal = "/demo/"
	Home      = "/demo/books/"
	Book      = "/demo/books/contacts/"
)

// Server is a running in-memory CardDAV server.
type Server struct {
	URL string

	srv     *http.Server
	backend *backend
}

// Start serves an empty address book "Kontakte" on 127.0.0.1 at a free
// port until Close.
func Start() (*Server, error) { return StartWrapped(nil) }

// StartWrapped is Start with the CardDAV handler passed through wrap (to
// count or watch requests; nil: unwrapped).
func StartWrapped(wrap func(http.Handler) http.Handler) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &backend{cards: map[string]*entry{}}
	var h http.Handler = &carddav.Handler{Backend: b}
	if wrap != nil {
		h = wrap(h)
	}
	s := &Server{URL: "http://" + l.Addr().String() + "/", backend: b,
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Cards returns the cards as vCard text, by path, for showing them.
func (s *Server) Cards() map[string]vcard.Card {
	s.backend.mu.Lock()
	defer s.backend.mu.Unlock()
	out := make(map[string]vcard.Card, len(s.backend.cards))
	for p, e := range s.backend.cards {
		out[p] = e.card
	}
	return out
}

// Edit changes a card as another client would (a new ETag).
func (s *Server) Edit(path string, edit func(c vcard.Card)) error {
	b := s.backend
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.cards[path]
	if !ok {
		return fmt.Errorf("no card %s", path)
	}
	edit(e.card)
	b.store(path, e.card)
	return nil
}

type entry struct {
	card vcard.Card
	etag string
	mod  time.Time
	size int64
}

type backend struct {
	mu    sync.Mutex
	cards map[string]*entry
}

var _ carddav.Backend = (*backend)(nil)

func (b *backend) CurrentUserPrincipal(context.Context) (string, error) { return Principal, nil }

func (b *backend) AddressBookHomeSetPath(context.Context) (string, error) { return Home, nil }

func (b *backend) book() carddav.AddressBook {
	return carddav.AddressBook{Path: Book, Name: "Kontakte", Description: "wfe demo",
		SupportedAddressData: []carddav.AddressDataType{{ContentType: vcard.MIMEType, Version: "3.0"}, {ContentType: vcard.MIMEType, Version: "4.0"}}}
}

func (b *backend) ListAddressBooks(context.Context) ([]carddav.AddressBook, error) {
	return []carddav.AddressBook{b.book()}, nil
}

func (b *backend) GetAddressBook(_ context.Context, path string) (*carddav.AddressBook, error) {
	if strings.TrimSuffix(path, "/") != strings.TrimSuffix(Book, "/") {
		return nil, webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no address book %s", path))
	}
	ab := b.book()
	return &ab, nil
}

func (b *backend) CreateAddressBook(context.Context, *carddav.AddressBook) error {
	return webdav.NewHTTPError(http.StatusForbidden, fmt.Errorf("the demo server has one address book"))
}

func (b *backend) DeleteAddressBook(context.Context, string) error {
	return webdav.NewHTTPError(http.StatusForbidden, fmt.Errorf("the demo server has one address book"))
}

func (b *backend) object(path string, e *entry) carddav.AddressObject {
	return carddav.AddressObject{Path: path, ModTime: e.mod, ContentLength: e.size, ETag: e.etag, Card: e.card}
}

func (b *backend) GetAddressObject(_ context.Context, path string, _ *carddav.AddressDataRequest) (*carddav.AddressObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.cards[path]
	if !ok {
		return nil, webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no card %s", path))
	}
	ao := b.object(path, e)
	return &ao, nil
}

func (b *backend) ListAddressObjects(_ context.Context, path string, _ *carddav.AddressDataRequest) ([]carddav.AddressObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	paths := make([]string, 0, len(b.cards))
	for p := range b.cards {
		if strings.HasPrefix(p, path) {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	out := make([]carddav.AddressObject, len(paths))
	for i, p := range paths {
		out[i] = b.object(p, b.cards[p])
	}
	return out, nil
}

func (b *backend) QueryAddressObjects(ctx context.Context, path string, q *carddav.AddressBookQuery) ([]carddav.AddressObject, error) {
	all, err := b.ListAddressObjects(ctx, path, &q.DataRequest)
	if err != nil {
		return nil, err
	}
	return carddav.Filter(q, all)
}

// PutAddressObject stores a card, refusing with 412 when If-None-Match: *
// meets an existing card or If-Match names another version.
func (b *backend) PutAddressObject(_ context.Context, path string, card vcard.Card, opts *carddav.PutAddressObjectOptions) (*carddav.AddressObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, exists := b.cards[path]
	if opts != nil && opts.IfNoneMatch.IsWildcard() && exists {
		return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, fmt.Errorf("card %s exists", path))
	}
	if opts != nil && opts.IfMatch.IsSet() && !opts.IfMatch.IsWildcard() {
		want, err := opts.IfMatch.ETag()
		if err != nil || !exists || want != e.etag {
			return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, fmt.Errorf("card %s changed", path))
		}
	}
	b.store(path, card)
	ao := b.object(path, b.cards[path])
	return &ao, nil
}

// store saves a card with a new ETag (the digest of its text).
func (b *backend) store(path string, card vcard.Card) {
	var buf bytes.Buffer
	_ = vcard.NewEncoder(&buf).Encode(card)
	sum := sha256.Sum256(buf.Bytes())
	b.cards[path] = &entry{card: card, etag: hex.EncodeToString(sum[:8]), mod: time.Now().UTC(), size: int64(buf.Len())}
}

func (b *backend) DeleteAddressObject(_ context.Context, path string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.cards[path]; !ok {
		return webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no card %s", path))
	}
	delete(b.cards, path)
	return nil
}
