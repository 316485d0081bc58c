package graph

import (
	"context"
	"net/url"

	"github.com/wfehq/wfe/groupware"
)

// MailSubfolders lists the paths of the mail folders below the folder
// with id folderID, whose own path is path: "path/child", then that
// child's subfolders, depth first, by display name.
func (c *Connector) MailSubfolders(ctx context.Context, folderID, path string) ([]string, error) {
	link := c.userPath + "/mailFolders/" + url.PathEscape(folderID) + "/childFolders?$top=100"
	children, err := c.flatFolders(ctx, groupware.TableMail, link, "the mail folders under "+path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range children {
		sub := path + "/" + f.Name
		below, err := c.MailSubfolders(ctx, f.ID, sub)
		if err != nil {
			return nil, err
		}
		out = append(append(out, sub), below...)
	}
	return out, nil
}
