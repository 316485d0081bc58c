package groupwaresync

import (
	"context"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// emailFolders are the mail folder paths an email rule imports for the
// employee: the rule's folders (the inbox when it names none) and, with
// subfolders, every folder below them, depth first. The configuration's
// import and error folders, where imported and quarantined mails are
// moved, are never imported from.
func (r *run) emailFolders(ctx context.Context) ([]string, error) {
	names := []string(r.rule.Folders)
	if len(names) == 0 {
		names = []string{DefaultEmailFolder}
	}
	var out []string
	for _, name := range names {
		name = strings.Trim(name, "/")
		if r.isMoveTarget(name) {
			return nil, fmt.Errorf("mail folder %s is where mail configuration %s moves imported or quarantined mails; it cannot be imported from", name, r.cfg.MatchCode)
		}
		out = append(out, name)
		if !r.rule.Subfolders {
			continue
		}
		below, err := r.mailSubfolders(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, sub := range below {
			if !r.isMoveTarget(sub) {
				out = append(out, sub)
			}
		}
	}
	return out, nil
}

// mailSubfolders lists the paths of the folders below the mail folder at
// path.
func (r *run) mailSubfolders(ctx context.Context, path string) ([]string, error) {
	conn, ok := r.sess.conn.(*graph.Connector)
	if !ok {
		return nil, emailNeedsGraph(r.cfg, r.emp)
	}
	id, err := conn.MailFolderPath(ctx, path, false)
	if err != nil {
		return nil, err
	}
	return conn.MailSubfolders(ctx, id, path)
}

// isMoveTarget reports whether path is the configuration's import or
// error folder or lies below one of them.
func (r *run) isMoveTarget(path string) bool {
	p := strings.ToLower(strings.Trim(path, "/"))
	imports := firstNonEmpty(strings.TrimSpace(r.cfg.ImportFolder), store.DefaultImportFolder)
	errs := firstNonEmpty(strings.TrimSpace(r.cfg.ErrorFolder), store.DefaultErrorFolder)
	for _, target := range []string{imports, errs} {
		t := strings.ToLower(strings.Trim(target, "/"))
		if p == t || strings.HasPrefix(p, t+"/") {
			return true
		}
	}
	return false
}

// emailFolderCheck finds an email rule's mail folders on the account for
// the account test, creating nothing.
func emailFolderCheck(ctx context.Context, s *session, rule *syncstate.Rule, what string) Check {
	conn, ok := s.conn.(*graph.Connector)
	if !ok {
		return Check{What: what, Detail: "the email table imports mail from Microsoft 365 mailboxes only: this configuration's calendar system is " + s.system}
	}
	names := []string(rule.Folders)
	if len(names) == 0 {
		names = []string{DefaultEmailFolder}
	}
	for _, name := range names {
		if _, err := conn.MailFolderPath(ctx, name, false); err != nil {
			return Check{What: what, Detail: err.Error()}
		}
	}
	return Check{OK: true, What: what, Detail: fmt.Sprintf("%d mail folder(s) found: %s", len(names), strings.Join(names, ", "))}
}
