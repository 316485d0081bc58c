package wfecmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/store"
)

// pushRecordType is the record type of the imports push starts.
const pushRecordType = "MAIL_PUSH"

// startPush runs the push watchers of serve (mailimport.Push) beside the
// timers: configurations flagged --auto-import and --push are imported as
// soon as IDLE reports new mail, with the run-as user of the
// mail-auto-import timer. The returned stop ends them and waits.
func (s *timerService) startPush(ctx context.Context) (stop func()) {
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	opts := mailimport.PushOptions{RunAs: s.pushRunAs(ctx), Import: s.pushImport, State: s.notePushState}
	go func() {
		defer close(done)
		if err := mailimport.Push(pctx, mailimport.Deps{Store: s.st, Logger: s.log, Node: s.node}, opts); err != nil {
			s.log.Error("mail push stopped", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// pushImport imports one configuration after IDLE reported new mail and
// records the run when it found mail or failed.
func (s *timerService) pushImport(ctx context.Context, cfg *store.MailConfig) error {
	deps := mailimport.Deps{Store: s.st, Logger: s.log, Node: s.node}
	opts := mailimport.ImportOptions{ConfigID: cfg.ID, MatchCode: cfg.MatchCode, Parallel: 1}
	out, err := runMailImport(ctx, deps, opts, importRun{Kind: pushRecordType, RunAs: s.pushRunAs(ctx), Site: runSite{Node: s.node}})
	if err == nil && !foundMail(out.Results) {
		return nil
	}
	if serr := s.st.SaveRun(context.WithoutCancel(ctx), out.Run); serr != nil {
		err = errors.Join(err, fmt.Errorf("save run record: %w", serr))
	}
	return err
}

func (s *timerService) pushRunAs(ctx context.Context) string {
	if t, err := s.st.GetTimer(ctx, builtinAutoImport); err == nil {
		return t.RunAs
	}
	return ""
}

func foundMail(results []mailimport.Result) bool {
	for _, r := range results {
		if r.Unseen > 0 || r.Recovered > 0 {
			return true
		}
	}
	return false
}

// notePushState stores what a watcher does, for 'wfe timer list'.
func (s *timerService) notePushState(cfg *store.MailConfig, state, detail string) {
	p := &store.MailPushState{MailConfigID: cfg.ID, Node: s.node, State: state, Detail: detail, Since: time.Now()}
	if err := s.st.SetMailPushState(context.Background(), p); err != nil {
		s.log.Warn("mail push: note the state", "match_code", cfg.MatchCode, "err", err)
	}
	s.log.Info("mail push", "match_code", cfg.MatchCode, "state", state, "detail", detail)
}
