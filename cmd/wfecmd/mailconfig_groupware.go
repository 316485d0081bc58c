package wfecmd

import (
	"context"
	"net/url"

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
