package groupwaresync

import (
	"context"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store/syncstate"
)

// ruleFolders resolves a rule's folders (of the rule's table) on an
// account: the named ones
// (the first listed folder when the rule names none), with their
// subfolders if the rule says so, and the folder for new items, which
// must lie among them.
func ruleFolders(ctx context.Context, conn groupware.Connector, rule *syncstate.Rule) (folders []groupware.Folder, newItems groupware.Folder, err error) {
	table := groupware.Table(rule.Table)
	if table == "" {
		table = groupware.TableContacts
	}
	return ruleFoldersOf(ctx, conn, rule, table)
}

// ruleFoldersOf is ruleFolders over the folders of table.
func ruleFoldersOf(ctx context.Context, conn groupware.Connector, rule *syncstate.Rule, table groupware.Table) (folders []groupware.Folder, newItems groupware.Folder, err error) {
	all, err := conn.Folders(ctx, table)
	if err != nil {
		return nil, groupware.Folder{}, err
	}
	if len(all) == 0 {
		return nil, groupware.Folder{}, fmt.Errorf("the account has no %s folder: %w", table, groupware.ErrFolderNotFound)
	}
	names := []string(rule.Folders)
	if len(names) == 0 {
		names = []string{all[0].Path}
	}
	seen := map[string]bool{}
	for _, name := range names {
		f, err := findFolder(all, name)
		if err != nil {
			return nil, groupware.Folder{}, err
		}
		for _, g := range all {
			inside := g.ID == f.ID || (rule.Subfolders && strings.HasPrefix(strings.ToLower(g.Path), strings.ToLower(f.Path)+"/"))
			if inside && !seen[g.ID] {
				seen[g.ID] = true
				folders = append(folders, g)
			}
		}
	}
	newItems = folders[0]
	if rule.NewItemsFolder != "" {
		if newItems, err = findFolder(folders, rule.NewItemsFolder); err != nil {
			return nil, groupware.Folder{}, fmt.Errorf("the folder for new items %q is not among the rule's folders: %w", rule.NewItemsFolder, err)
		}
	}
	return folders, newItems, nil
}

// findFolder finds a folder by display-name path, or by its id (a DAV
// collection path).
func findFolder(all []groupware.Folder, name string) (groupware.Folder, error) {
	if f, err := groupware.FolderByPath(all, name); err == nil {
		return f, nil
	}
	for _, f := range all {
		if strings.Trim(f.ID, "/") == strings.Trim(name, "/") && name != "" {
			return f, nil
		}
	}
	return groupware.FolderByPath(all, name)
}
