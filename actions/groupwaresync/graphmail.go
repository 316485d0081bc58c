package groupwaresync

import (
	"context"
	"fmt"
	"net/http"

	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/store"
)

// GraphMail is the Graph connector of an employee on a mail configuration
// whose groupware is Microsoft Graph, for mail (sendMail, mail folders);
// signed in as Connect does. A configuration of another system is an error.
func GraphMail(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, hc *http.Client) (*graph.Connector, error) {
	conn, _, err := GraphMailLocking(ctx, st, cfg, emp, hc)
	return conn, err
}

// GraphMailLocking is GraphMail that also gives lock, which records a
// refused sign-in (cause is groupware.ErrAuth) on the owner of the
// credentials used, the configuration or the employee, so that no further
// sign-in is tried with them until they change.
func GraphMailLocking(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, hc *http.Client) (conn *graph.Connector, lock func(ctx context.Context, cause error) error, err error) {
	system, err := ParseSystem(cfg.CalendarSystem)
	if err != nil || system != SystemGraph {
		return nil, nil, fmt.Errorf("mail configuration %s has no SMTP server and its groupware is not Microsoft Graph (set --smtp or --calendar-system graph)", cfg.MatchCode)
	}
	s, err := Connect(ctx, st, cfg, emp, hc)
	if err != nil {
		return nil, nil, err
	}
	conn, ok := s.conn.(*graph.Connector)
	if !ok {
		return nil, nil, fmt.Errorf("mail configuration %s: Graph connection expected", cfg.MatchCode)
	}
	lock = func(ctx context.Context, cause error) error { return lockAfterAuth(ctx, st, s, cfg, emp, cause) }
	return conn, lock, nil
}
