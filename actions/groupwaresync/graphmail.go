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
	system, err := ParseSystem(cfg.CalendarSystem)
	if err != nil || system != SystemGraph {
		return nil, fmt.Errorf("mail configuration %s has no SMTP server and its groupware is not Microsoft Graph (set --smtp or --calendar-system graph)", cfg.MatchCode)
	}
	s, err := Connect(ctx, st, cfg, emp, hc)
	if err != nil {
		return nil, err
	}
	conn, ok := s.conn.(*graph.Connector)
	if !ok {
		return nil, fmt.Errorf("mail configuration %s: Graph connection expected", cfg.MatchCode)
	}
	return conn, nil
}
