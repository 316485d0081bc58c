package wfecmd

import (
	"context"
	"errors"
	"net/url"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/store"
)

// setGroupwareURL stores --groupware-url of `mailconfig set`, checked to
// be an http(s) URL (empty clears it).
func setGroupwareURL(ctx context.Context, st *store.Store, c *store.MailConfig, f *mailConfigFlags) error {
	if !f.groupwareURL.set {
		return nil
	}
	if v := f.groupwareURL.v; v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--groupware-url %q is not an http(s) URL", v)
		}
	}
	if err := st.Sync().SetGroupwareURL(ctx, c.ID, f.groupwareURL.v); err != nil {
		return err
	}
	return nil
}

// testGroupware prints the groupware checks of `mailconfig test`; it
// reports whether the configuration has a groupware system.
func testGroupware(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, lines *checkLines) bool {
	checks := groupwaresync.TestAccount(ctx, st, cfg, emp, nil)
	for _, c := range checks {
		if c.OK {
			lines.ok("%s: %s", c.What, c.Detail)
		} else {
			lines.fail(c.What, errors.New(c.Detail))
		}
	}
	return len(checks) > 0
}
