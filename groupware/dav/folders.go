package dav

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/carddav"

	"github.com/wfehq/wfe/groupware"
)

// Folders finds the principal and its address-book home set and lists the
// address books there; a folder's path is its display name (or the last
// part of its URL when it has none).
func (c *Connector) Folders(ctx context.Context, table groupware.Table) ([]groupware.Folder, error) {
	if table != groupware.TableContacts {
		return nil, fmt.Errorf("dav: table %s: %w", table, groupware.ErrUnsupported)
	}
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
		name := b.Name
		if name == "" {
			name = path.Base(strings.TrimSuffix(b.Path, "/"))
		}
		id := b.Path
		if !strings.HasSuffix(id, "/") {
			id += "/"
		}
		out = append(out, groupware.Folder{ID: id, Path: name, Name: name, Table: table})
	}
	return out, nil
}
