package graph

import (
	"context"
	"fmt"
	"net/url"

	"github.com/wfehq/wfe/groupware"
)

// DefaultFolderPath is the path of the mailbox's default contacts folder;
// the folders below it are "Contacts/Name/…" whatever the mailbox's
// language calls the default folder.
const DefaultFolderPath = "Contacts"

type folderJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

type folderPage struct {
	Value    []folderJSON `json:"value"`
	NextLink string       `json:"@odata.nextLink"`
}

// Folders lists the folders of a table: for contacts the default
// contacts folder and every folder below it; for appointments the
// mailbox's calendars, for tasks its To Do lists, each by display name.
func (c *Connector) Folders(ctx context.Context, table groupware.Table) ([]groupware.Folder, error) {
	switch table {
	case groupware.TableContacts:
	case groupware.TableAppointments:
		return c.flatFolders(ctx, table, c.userPath+"/calendars?$top=100", "calendars")
	case groupware.TableTasks:
		return c.flatFolders(ctx, table, c.userPath+"/todo/lists?$top=100", "To Do lists")
	default:
		return nil, fmt.Errorf("graph: table %s: %w", table, groupware.ErrUnsupported)
	}
	root := groupware.Folder{ID: "", Path: DefaultFolderPath, Name: DefaultFolderPath, Table: table}
	out := []groupware.Folder{root}
	return c.appendChildren(ctx, out, root, c.userPath+"/contactFolders?$top=100")
}

// appendChildren adds the folders listed at link and, depth first, their
// subfolders.
func (c *Connector) appendChildren(ctx context.Context, out []groupware.Folder, parent groupware.Folder, link string) ([]groupware.Folder, error) {
	for link != "" {
		var page folderPage
		if err := c.getJSON(ctx, link, &page); err != nil {
			return nil, fmt.Errorf("listing contact folders under %q: %w", parent.Path, err)
		}
		for _, f := range page.Value {
			child := groupware.Folder{ID: f.ID, Name: f.DisplayName, Path: parent.Path + "/" + f.DisplayName, Table: parent.Table}
			out = append(out, child)
			var err error
			out, err = c.appendChildren(ctx, out, child, c.userPath+"/contactFolders/"+url.PathEscape(f.ID)+"/childFolders?$top=100")
			if err != nil {
				return nil, err
			}
		}
		link = page.NextLink
	}
	return out, nil
}

// contactsPath is the collection of a folder's contacts.
func (c *Connector) contactsPath(f groupware.Folder) string {
	if f.ID == "" {
		return c.userPath + "/contacts"
	}
	return c.userPath + "/contactFolders/" + url.PathEscape(f.ID) + "/contacts"
}

// flatFolders lists folders that have no subfolders (calendars, To Do
// lists), following @odata.nextLink.
func (c *Connector) flatFolders(ctx context.Context, table groupware.Table, link, what string) ([]groupware.Folder, error) {
	var out []groupware.Folder
	for link != "" {
		var page folderPage
		if err := c.getJSON(ctx, link, &page); err != nil {
			return nil, fmt.Errorf("listing %s: %w", what, err)
		}
		for _, f := range page.Value {
			out = append(out, groupware.Folder{ID: f.ID, Name: f.DisplayName, Path: f.DisplayName, Table: table})
		}
		link = page.NextLink
	}
	return out, nil
}
