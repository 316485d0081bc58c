package wfecmd

import (
	"context"
	"fmt"
	"io"

	"github.com/wfehq/wfe/store"
)

// mailSourceView is one mail configuration of the automatic import in
// 'wfe timer list': imported on push (IMAP IDLE) or polled by the timer.
type mailSourceView struct {
	MatchCode string
	Mode      string // store.PushWatching or store.PushPolled
	Since     string
	Node      string
	Detail    string
}

// mailSourceViews lists the configurations flagged "import automatically"
// with how each is imported now, as the serve nodes last reported.
func mailSourceViews(ctx context.Context, st *store.Store) ([]mailSourceView, error) {
	cfgs, err := st.AutoImportMailConfigs(ctx)
	if err != nil {
		return nil, err
	}
	states, err := st.MailPushStates(ctx)
	if err != nil {
		return nil, err
	}
	var views []mailSourceView
	for _, c := range cfgs {
		v := mailSourceView{MatchCode: c.MatchCode, Mode: store.PushPolled, Since: "-", Node: "-"}
		s, known := states[c.ID]
		switch {
		case !c.Push:
			v.Detail = "push is off ('wfe mailconfig set " + c.MatchCode + " --push')"
		case !known:
			v.Detail = "no serve has watched it yet"
		default:
			v.Mode, v.Since, v.Node, v.Detail = s.State, localTime(&s.Since), s.Node, s.Detail
		}
		views = append(views, v)
	}
	return views, nil
}

// printMailSources prints, below the timers, whether each source of the
// automatic mail import is pushed or polled.
func printMailSources(ctx context.Context, w io.Writer, st *store.Store, wide bool) error {
	views, err := mailSourceViews(ctx, st)
	if err != nil || len(views) == 0 {
		return err
	}
	fmt.Fprintln(w)
	t := newTable("MAIL SOURCE", "IMPORTED", "SINCE", "NODE", "DETAIL").keepWhole("MAIL SOURCE").freeText("NODE", "DETAIL")
	for _, v := range views {
		t.row(v.MatchCode, v.Mode, v.Since, v.Node, dash(v.Detail))
	}
	return t.print(w, wide)
}
