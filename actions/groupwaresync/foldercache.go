package groupwaresync

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/wfehq/wfe/groupware"
)

// folderCacheKey is the sync-token row that keeps a rule's folders as
// resolved on the account, so that a run does not find them again
// (principal, home set and address books on CardDAV; the folder tree on
// Graph): an idle run then costs only the folders' change requests. No
// folder id takes this form (DAV ids are paths, Graph ids have no ':').
const folderCacheKey = "wfe:folders"

// How long resolved folders are used before they are found again: a
// folder that vanished is noticed at once (its change request fails and
// the folders are found again), a folder renamed or added below a rule's
// folder only when they are found again.
const (
	folderCacheAge           = 24 * time.Hour
	folderCacheAgeSubfolders = time.Hour
)

// folderCache is what the folder cache row holds.
type folderCache struct {
	// Key names the account and the rule's folder settings the folders
	// were resolved for; another key makes the cache void.
	Key      string             `json:"key"`
	At       time.Time          `json:"at"`
	Folders  []groupware.Folder `json:"folders"`
	NewItems string             `json:"new_items"` // folder id
}

// resolveFolders gives the rule's folders on the account: the ones the
// last successful run stored when they are recent and were resolved for
// this account and these folder settings, else found on the server.
// Either way they are kept for the next run (stored with the tokens).
func (r *run) resolveFolders(ctx context.Context) ([]groupware.Folder, groupware.Folder, error) {
	r.gw = newGwSide(r.sess.conn.Contacts())
	if c, ok := r.cachedFolders(); ok {
		for _, f := range c.Folders {
			if f.ID == c.NewItems {
				r.gw.fromCache = true
				r.gw.tokens[folderCacheKey] = r.state.Tokens[folderCacheKey]
				return c.Folders, f, nil
			}
		}
	}
	return r.findFolders(ctx)
}

// findFolders finds the rule's folders on the server and notes them for
// the folder cache.
func (r *run) findFolders(ctx context.Context) ([]groupware.Folder, groupware.Folder, error) {
	folders, newItems, err := ruleFolders(ctx, r.sess.conn, r.rule)
	if err != nil {
		return nil, groupware.Folder{}, err
	}
	b, err := json.Marshal(folderCache{Key: r.folderKey(), At: r.start, Folders: folders, NewItems: newItems.ID})
	if err != nil {
		return nil, groupware.Folder{}, err
	}
	r.gw.fromCache = false
	r.gw.tokens[folderCacheKey] = string(b)
	return folders, newItems, nil
}

// cachedFolders reads the folder cache; ok is false when there is none,
// or it is old or was made for another account or other settings.
func (r *run) cachedFolders() (folderCache, bool) {
	var c folderCache
	raw := r.state.Tokens[folderCacheKey]
	if raw == "" || json.Unmarshal([]byte(raw), &c) != nil || c.Key != r.folderKey() || len(c.Folders) == 0 {
		return c, false
	}
	maxAge := folderCacheAge
	if r.rule.Subfolders {
		maxAge = folderCacheAgeSubfolders
	}
	age := r.start.Sub(c.At)
	return c, age >= 0 && age < maxAge
}

// folderKey names the account and the rule's folder settings.
func (r *run) folderKey() string {
	sub := "no-subfolders"
	if r.rule.Subfolders {
		sub = "subfolders"
	}
	return strings.Join([]string{r.sess.account, strings.Join(r.rule.Folders, "\x1f"), sub, r.rule.NewItemsFolder}, "\x1e")
}
