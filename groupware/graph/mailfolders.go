package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wfehq/wfe/groupware"
)

// wellKnownMailFolders are the names Graph accepts in place of a mail
// folder's id.
var wellKnownMailFolders = map[string]bool{
	"inbox": true, "sentitems": true, "deleteditems": true, "drafts": true, "archive": true, "junkemail": true,
}

// MailFolderPath finds the id of a mail folder by its path of display
// names separated by "/" (case insensitive; "CRM/Fehler" is the child
// folder Fehler of the top-level folder CRM). A first segment that is a
// well-known name (inbox, sentitems, …) stands for that folder. With
// create, missing folders along the path are created.
func (c *Connector) MailFolderPath(ctx context.Context, path string, create bool) (string, error) {
	segments := strings.Split(strings.Trim(path, "/"), "/")
	parent := ""
	for i, name := range segments {
		if name == "" {
			return "", fmt.Errorf("graph: mail folder path %q has an empty segment", path)
		}
		if i == 0 && wellKnownMailFolders[strings.ToLower(name)] {
			parent = strings.ToLower(name)
			continue
		}
		id, err := c.childMailFolder(ctx, parent, name)
		if errors.Is(err, groupware.ErrNotFound) && create {
			id, err = c.CreateMailFolder(ctx, parent, name)
		}
		if err != nil {
			return "", fmt.Errorf("mail folder %q: %w", path, err)
		}
		parent = id
	}
	return parent, nil
}

// childMailFolder finds a folder by display name among the top-level
// folders (parent "") or the child folders of parent.
func (c *Connector) childMailFolder(ctx context.Context, parent, name string) (string, error) {
	link := c.userPath + "/mailFolders?$top=100"
	if parent != "" {
		link = c.userPath + "/mailFolders/" + url.PathEscape(parent) + "/childFolders?$top=100"
	}
	folders, err := c.flatFolders(ctx, groupware.TableMail, link, "mail folders")
	if err != nil {
		return "", err
	}
	for _, f := range folders {
		if strings.EqualFold(f.Name, name) {
			return f.ID, nil
		}
	}
	return "", fmt.Errorf("graph: mailbox has no mail folder %q: %w", name, groupware.ErrNotFound)
}

// CreateMailFolder creates a mail folder named name at the top level
// (parent "") or under parent and returns its id.
func (c *Connector) CreateMailFolder(ctx context.Context, parent, name string) (string, error) {
	link := c.userPath + "/mailFolders"
	if parent != "" {
		link = c.userPath + "/mailFolders/" + url.PathEscape(parent) + "/childFolders"
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := c.sendJSON(ctx, http.MethodPost, link, map[string]string{"displayName": name}, nil, &created); err != nil {
		return "", fmt.Errorf("creating mail folder %q: %w", name, err)
	}
	return created.ID, nil
}
