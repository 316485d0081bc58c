package dav

import (
	"context"

	"github.com/wfehq/wfe/groupware"
)

// Changes lists what changed since token. An empty token lists every
// member (one sync-collection REPORT); a sync token asks for the changes
// since (one REPORT, also when nothing changed). A server that refuses
// sync-collection is listed by PROPFIND instead, and its CTag is the
// token: unchanged costs one PROPFIND, changed a second one that lists
// every member's ETag (Full); a server that keeps no CTag either is
// listed with that second PROPFIND alone on every call. Cards are never
// read here: the caller reads those whose ETag it does not know.
func (s *contacts) Changes(ctx context.Context, folder groupware.Folder, token string) (*groupware.ChangeSet[groupware.Contact], error) {
	initial := func() (*rawChanges, error) {
		set, err := s.c.syncCollection(ctx, folder, "")
		if err != nil && syncUnsupported(err) {
			set, err = s.c.listing(ctx, folder, "", s.c.propfindMembers)
		}
		return set, err
	}
	raw, err := s.c.changes(ctx, folder, token, initial, s.c.propfindMembers)
	if err != nil {
		return nil, err
	}
	return changeSetOf[groupware.Contact](raw), nil
}
