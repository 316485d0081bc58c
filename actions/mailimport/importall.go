package mailimport

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// ImportOptions select what ImportAll imports.
type ImportOptions struct {
	// MatchCode selects one configuration; empty = every usable
	// configuration flagged "import automatically" (docs/REQUIREMENTS.md R18).
	MatchCode string
	DryRun    bool
	BatchSize int
	// Folder to import from ("" = INBOX).
	Folder string
	// Logf receives progress lines (may be nil).
	Logf func(format string, args ...any)
}

// ImportAll imports without a workflow (docs/REQUIREMENTS.md R18, R19): for each selected
// configuration the unseen mail of its inbox becomes activities delegated
// to the configuration's responsible employee or, when none is set or
// found, to runAs (a CRM login; may be empty). One configuration's failure
// does not stop the others: the results of all are returned with their
// errors joined, each naming its match code.
func ImportAll(ctx context.Context, deps Deps, runAs string, opts ImportOptions) ([]Result, error) {
	st := deps.Store
	if st == nil {
		return nil, engine.Permanent(ErrNoStore)
	}
	var cfgs []store.MailConfig
	if opts.MatchCode != "" {
		cfg, err := ResolveConfig(ctx, st, opts.MatchCode)
		if err != nil {
			return nil, err
		}
		cfgs = []store.MailConfig{*cfg}
	} else {
		var err error
		if cfgs, err = st.AutoImportMailConfigs(ctx); err != nil {
			return nil, engine.Retryable(err)
		}
	}
	emp, err := ResolveEmployee(ctx, st, runAs)
	if err != nil {
		return nil, err
	}
	var results []Result
	var errs []error
	for i := range cfgs {
		cfg := &cfgs[i]
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		delegate := emp
		if cfg.ResponsibleID != nil {
			if r, err := st.GetEmployee(ctx, *cfg.ResponsibleID); err == nil {
				delegate = r
			} else {
				deps.logger().Warn("mail import: responsible employee not found; delegating to the run-as user",
					"match_code", cfg.MatchCode, "employee_id", *cfg.ResponsibleID, "err", err)
			}
		}
		p := &Pipeline{Deps: deps, Mapper: IncomingMapper{}}
		res, err := p.Run(ctx, Request{Config: cfg, RunAs: emp, Delegate: delegate, Folder: opts.Folder,
			BatchSize: opts.BatchSize, DryRun: opts.DryRun, Logf: opts.Logf})
		if err != nil && !strings.Contains(err.Error(), "mail configuration "+cfg.MatchCode) {
			err = fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err)
		}
		if res != nil {
			if err != nil {
				res.Error = err.Error()
			}
			results = append(results, *res)
			if opts.Logf != nil && err == nil {
				opts.Logf("%s", res.Summary())
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return results, errors.Join(errs...)
}
