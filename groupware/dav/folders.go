package dav

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
	"github.com/emersion/go-webdav/carddav"

	"github.com/wfehq/wfe/groupware"
)

// Folders finds the principal and its home set (addressbook-home-set for
// contacts, calendar-home-set for appointments and tasks) and lists the
// collections there; a folder's path is its display name (or the last
// part of its URL when it has none). Calendars are listed for a table when
// they declare the component it needs (VEVENT, VTODO) or declare none.
func (c *Connector) Folders(ctx context.Context, table groupware.Table) ([]groupware.Folder, error) {
	switch table {
	case groupware.TableContacts:
		return c.addressBooks(ctx)
	case groupware.TableAppointments, groupware.TableTasks:
		return c.calendars(ctx, table)
	}
	return nil, fmt.Errorf("dav: table %s: %w", table, groupware.ErrUnsupported)
}

func (c *Connector) addressBooks(ctx context.Context) ([]groupware.Folder, error) {
	client, err := carddav.NewClient(webdav.HTTPClient(c), c.base.String())
	if err != nil {
		return nil, err
	}
	principal, err := client.FindCurrentUserPrincipal(ctx)
	if err != nil {
		return nil, fmt.Errorf("dav: finding the current user principal: %w", err)
	}
	home, err := client.FindAddressBookHomeSet(ctx, principal)
	if err != nil {
		return nil, fmt.Errorf("dav: finding the address-book home of %s: %w", principal, err)
	}
	books, err := client.FindAddressBooks(ctx, home)
	if err != nil {
		return nil, fmt.Errorf("dav: listing address books in %s: %w", home, err)
	}
	out := make([]groupware.Folder, 0, len(books))
	for _, b := range books {
		out = append(out, folderOf(b.Path, b.Name, groupware.TableContacts))
	}
	return out, nil
}

func (c *Connector) calendars(ctx context.Context, table groupware.Table) ([]groupware.Folder, error) {
	client, err := caldav.NewClient(webdav.HTTPClient(c), c.base.String())
	if err != nil {
		return nil, err
	}
	principal, err := client.FindCurrentUserPrincipal(ctx)
	if err != nil {
		return nil, fmt.Errorf("dav: finding the current user principal: %w", err)
	}
	home, err := client.FindCalendarHomeSet(ctx, principal)
	if err != nil {
		return nil, fmt.Errorf("dav: finding the calendar home of %s: %w", principal, err)
	}
	cals, err := client.FindCalendars(ctx, home)
	if err != nil {
		return nil, fmt.Errorf("dav: listing calendars in %s: %w", home, err)
	}
	want := componentOf(table)
	var out []groupware.Folder
	for _, cal := range cals {
		if len(cal.SupportedComponentSet) == 0 || slices.ContainsFunc(cal.SupportedComponentSet, func(s string) bool { return strings.EqualFold(s, want) }) {
			out = append(out, folderOf(cal.Path, cal.Name, table))
		}
	}
	return out, nil
}

// componentOf is the iCalendar component a calendar table holds.
func componentOf(table groupware.Table) string {
	if table == groupware.TableTasks {
		return "VTODO"
	}
	return "VEVENT"
}

func folderOf(p, name string, table groupware.Table) groupware.Folder {
	if name == "" {
		name = path.Base(strings.TrimSuffix(p, "/"))
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return groupware.Folder{ID: p, Path: name, Name: name, Table: table}
}
