// Package demodav is the in-process CardDAV/CalDAV server of `wfe demo`:
// one user with one address book and one calendar held in memory, served
// by go-webdav's CardDAV and CalDAV handlers on a loopback port. It
// honours If-Match and If-None-Match on PUT, so the sync's conditional
// writes behave as on a real server. It has no authentication and keeps
// nothing on disk: it is for showing the sync, not for use.
package demodav

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
	"github.com/emersion/go-webdav/carddav"
)

// The server's fixed paths; go-webdav's handler tells a resource's kind
// by its depth: principal, address-book home set, address book, card.
const (
	Principal = "/demo/"
	Home      = "/demo/books/"
	Book      = "/demo/books/contacts/"
)

// Server is a running in-memory CardDAV/CalDAV server.
type Server struct {
	URL string

	srv      *http.Server
	backend  *backend
	calendar *calBackend
}

// Start serves an empty address book "Kontakte" and an empty calendar
// "Kalender" on 127.0.0.1 at a free port until Close.
func Start() (*Server, error) { return StartWrapped(nil) }

// StartWrapped is Start with the CardDAV handler passed through wrap (to
// count or watch requests; nil: unwrapped).
func StartWrapped(wrap func(http.Handler) http.Handler) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := newBackend()
	cb := newCalBackend()
	var h http.Handler = route(&carddav.Handler{Backend: b}, &caldav.Handler{Backend: cb})
	if wrap != nil {
		h = wrap(h)
	}
	s := &Server{URL: "http://" + l.Addr().String() + "/", backend: b, calendar: cb,
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

// route sends the address book's and the calendar's paths to their
// handlers; every other path (the root, the principal) is the principal,
// which names both home sets, so one sign-in finds both.
func route(cards, calendars http.Handler) http.Handler {
	principal := &webdav.ServePrincipalOptions{CurrentUserPrincipalPath: Principal,
		HomeSets:     []webdav.BackendSuppliedHomeSet{carddav.NewAddressBookHomeSet(Home), caldav.NewCalendarHomeSet(CalendarHome)},
		Capabilities: []webdav.Capability{carddav.CapabilityAddressBook, caldav.CapabilityCalendar}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, Home) || p == "/.well-known/carddav":
			cards.ServeHTTP(w, r)
		case strings.HasPrefix(p, CalendarHome) || p == "/.well-known/caldav":
			calendars.ServeHTTP(w, r)
		default:
			webdav.ServePrincipal(w, r, principal)
		}
	})
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Cards returns the cards by path, for showing them.
func (s *Server) Cards() map[string]vcard.Card { return s.backend.cards.snapshot() }

// Edit changes a card as another client would (a new ETag).
func (s *Server) Edit(path string, edit func(c vcard.Card)) error {
	return s.backend.cards.edit(path, func(c vcard.Card) vcard.Card { edit(c); return c })
}

// backend is the in-memory address book "Kontakte" behind go-webdav's
// CardDAV handler.
type backend struct {
	cards *objects[vcard.Card]
}

func newBackend() *backend {
	return &backend{cards: newObjects("card", func(c vcard.Card) ([]byte, error) {
		var buf bytes.Buffer
		err := vcard.NewEncoder(&buf).Encode(c)
		return buf.Bytes(), err
	})}
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

func cardObject(path string, s stored[vcard.Card]) carddav.AddressObject {
	return carddav.AddressObject{Path: path, ModTime: s.mod, ContentLength: s.size, ETag: s.etag, Card: s.val}
}

func (b *backend) GetAddressObject(_ context.Context, path string, _ *carddav.AddressDataRequest) (*carddav.AddressObject, error) {
	s, err := b.cards.get(path)
	if err != nil {
		return nil, err
	}
	ao := cardObject(path, s)
	return &ao, nil
}

func (b *backend) ListAddressObjects(_ context.Context, path string, _ *carddav.AddressDataRequest) ([]carddav.AddressObject, error) {
	paths, list := b.cards.list(path)
	out := make([]carddav.AddressObject, len(paths))
	for i, p := range paths {
		out[i] = cardObject(p, list[i])
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

// PutAddressObject stores a card with the client's preconditions.
func (b *backend) PutAddressObject(_ context.Context, path string, card vcard.Card, opts *carddav.PutAddressObjectOptions) (*carddav.AddressObject, error) {
	if opts == nil {
		opts = &carddav.PutAddressObjectOptions{}
	}
	s, err := b.cards.put(path, card, opts.IfNoneMatch, opts.IfMatch)
	if err != nil {
		return nil, err
	}
	ao := cardObject(path, s)
	return &ao, nil
}

func (b *backend) DeleteAddressObject(_ context.Context, path string) error {
	return b.cards.remove(path)
}
