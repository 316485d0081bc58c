package wfecmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/errclass"
	"github.com/wfehq/wfe/store"
)

// importRecordCLI is the record type of `wfe import-mail` runs; a timer's
// runs carry the timer type (MAIL_AUTO_IMPORT).
const importRecordCLI = "import-mail"

// importRecord is the run record of a mail import without a workflow
// (wfe import-mail, the MAIL_AUTO_IMPORT timer): the outbox retries sent
// before it and, per configuration, what became of its mail.
type importRecord struct {
	Type       string                `json:"type"`
	DryRun     bool                  `json:"dry_run,omitempty"`
	Results    []importConfigRecord  `json:"results"`
	Outbox     *sendmail.RetryReport `json:"outbox,omitempty"`
	Error      string                `json:"error,omitempty"`
	ErrorClass string                `json:"error_class,omitempty"`
	Log        []string              `json:"log,omitempty"`
}

// importConfigRecord is one configuration's part of an importRecord.
// Committed counts the mails whose outcome is stored, also when the run
// stopped before it could move them.
type importConfigRecord struct {
	MatchCode        string            `json:"match_code"`
	Folder           string            `json:"folder"`
	Unseen           int               `json:"unseen"`
	Committed        int               `json:"committed"`
	Imported         int               `json:"imported"`
	Duplicates       int               `json:"duplicates"`
	Quarantined      int               `json:"quarantined"`
	Skipped          int               `json:"skipped"`
	Left             int               `json:"left"`
	Recovered        int               `json:"recovered"`
	Moved            int               `json:"moved"`
	QuarantinedMails []quarantinedMail `json:"quarantined_mails,omitempty"`
	Error            string            `json:"error,omitempty"`
	Summary          string            `json:"summary"`
}

// quarantinedMail is a mail moved to the error folder, with the reason.
type quarantinedMail struct {
	UID       uint32 `json:"uid"`
	MessageID string `json:"message_id,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Reason    string `json:"reason"`
}

func importConfigRecordOf(r *mailimport.Result) importConfigRecord {
	c := importConfigRecord{MatchCode: r.MatchCode, Folder: r.Folder, Unseen: r.Unseen, Committed: r.Committed,
		Imported: r.Imported, Duplicates: r.Duplicates, Quarantined: r.Quarantined, Skipped: r.Skipped, Left: r.Left,
		Recovered: r.Recovered, Moved: r.Moved, Error: r.Error, Summary: r.Summary()}
	if r.Error != "" {
		c.Summary = fmt.Sprintf("stopped after %d mail(s) were committed: %s", r.Committed, c.Summary)
	}
	for _, m := range r.Mails {
		if m.Outcome == store.OutcomeQuarantined {
			c.QuarantinedMails = append(c.QuarantinedMails, quarantinedMail{UID: m.UID, MessageID: m.MessageID, Subject: m.Subject, Reason: m.Reason})
		}
	}
	return c
}

// importRun says how and where a mail import without a workflow runs.
type importRun struct {
	Kind  string // record type: importRecordCLI or the timer's type
	Timer string // the timer that fired it ("" for wfe import-mail)
	RunAs string
	Site  runSite
	// Logf also receives the import's log lines (may be nil).
	Logf func(format string, args ...any)
}

// importOutcome is a finished mail import without a workflow.
type importOutcome struct {
	Run     *store.Run // for the run history, not saved yet
	Record  importRecord
	Results []mailimport.Result
}

// runMailImport sends the outbox's due mail (not in a dry run), imports
// as mailimport.ImportAll does and returns the outcome with the import's
// error. The outbox retry covers the configuration of opts.MatchCode, or
// every configuration when none is given.
func runMailImport(ctx context.Context, deps mailimport.Deps, opts mailimport.ImportOptions, how importRun) (*importOutcome, error) {
	started := time.Now()
	rec := importRecord{Type: how.Kind, DryRun: opts.DryRun, Results: []importConfigRecord{}}
	logf := func(format string, args ...any) {
		rec.Log = append(rec.Log, fmt.Sprintf(format, args...))
		if how.Logf != nil {
			how.Logf(format, args...)
		}
	}
	if !opts.DryRun {
		rep, err := retryOutboxForImport(ctx, deps, opts.MatchCode)
		rec.Outbox = &rep
		for _, l := range rep.Lines {
			logf("%s", l)
		}
		if err != nil {
			logf("warning: outbox retry: %v", err)
		}
	}
	opts.Logf = logf
	results, err := mailimport.ImportAll(ctx, deps, how.RunAs, opts)
	for i := range results {
		rec.Results = append(rec.Results, importConfigRecordOf(&results[i]))
	}
	fin := time.Now()
	r := &store.Run{ID: store.NewID(), Timer: how.Timer, RunAs: how.RunAs, Node: how.Site.Node, ScheduledAt: how.Site.ScheduledAt,
		StartedAt: started, FinishedAt: &fin, Status: store.RunSucceeded}
	if err != nil {
		r.Status, r.Error = store.RunFailed, err.Error()
		if ctx.Err() != nil {
			r.Status = store.RunCancelled
		}
		rec.Error, rec.ErrorClass = err.Error(), string(errclass.Of(err))
	}
	out := &importOutcome{Run: r, Record: rec, Results: results}
	data, jerr := json.Marshal(rec)
	if jerr != nil {
		return out, errors.Join(err, jerr)
	}
	r.Record = data
	return out, err
}

// retryOutboxForImport sends the due outbox entries of the configuration
// matchCode, or of every configuration.
func retryOutboxForImport(ctx context.Context, deps mailimport.Deps, matchCode string) (sendmail.RetryReport, error) {
	sd := sendmail.Deps{Store: deps.Store, Logger: deps.Logger, Now: deps.Now, Node: deps.Node}
	var opts sendmail.RetryOptions
	if matchCode != "" {
		cfg, err := deps.Store.MailConfigByMatchCode(ctx, matchCode)
		if err != nil {
			return sendmail.RetryReport{}, nil // the import reports the unknown configuration
		}
		opts.MailConfigIDs = []int64{cfg.ID}
	}
	return sendmail.RetryDue(ctx, sd, opts)
}

// runSubject is what a run of the run history ran, for listings: its
// workflow, else "(import-mail)" for wfe import-mail ("" otherwise).
func runSubject(r store.Run) string {
	if r.WorkflowID != "" {
		return r.WorkflowID
	}
	var rec struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(r.Record, &rec) == nil && rec.Type == importRecordCLI {
		return "(" + rec.Type + ")"
	}
	return ""
}
