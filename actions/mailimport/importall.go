package mailimport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// ImportOptions select what ImportAll imports.
type ImportOptions struct {
	// MatchCode selects one configuration; empty = every usable
	// configuration flagged "import automatically" (docs/REQUIREMENTS.md R18).
	MatchCode string
	// ConfigID selects one configuration by id (before MatchCode; match
	// codes need not be unique).
	ConfigID  int64
	DryRun    bool
	BatchSize int
	// Folder to import from ("" = INBOX).
	Folder string
	// Logf receives progress lines (may be nil). ImportAll calls it from
	// one goroutine at a time.
	Logf func(format string, args ...any)
	// Parallel is the number of configurations imported at the same time
	// (0 = DefaultParallel()).
	Parallel int
	// PerServer is the number of configurations of one IMAP server
	// imported at the same time (0 = DefaultPerServer).
	PerServer int
}

// ImportAll imports without a workflow (docs/REQUIREMENTS.md R18, R19): for each selected
// configuration the unseen mail of its inbox becomes activities delegated
// to the configuration's responsible employee or, when none is set or
// found, to runAs (a CRM login; may be empty).
//
// Configurations are imported concurrently, at most opts.Parallel at a
// time and at most opts.PerServer per IMAP server; a slow or failing
// configuration holds only its own slot. One configuration's failure does
// not stop the others: the results of all are returned in the order of
// the configurations, with their errors joined, each naming its match code.
func ImportAll(ctx context.Context, deps Deps, runAs string, opts ImportOptions) ([]Result, error) {
	cfgs, emp, err := selectConfigs(ctx, deps, runAs, opts)
	if err != nil {
		return nil, err
	}
	results := make([]*Result, len(cfgs))
	errs := make([]error, len(cfgs))
	slots := newSlots(opts.parallel(), opts.perServer())
	opts.Logf = serialLogf(opts.Logf)
	progress := newProgressSum(deps.Progress, len(cfgs))
	var wg sync.WaitGroup
	for i := range cfgs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			release, err := slots.acquire(ctx, ServerKey(&cfgs[i]))
			if err != nil {
				errs[i] = err
				return
			}
			defer release()
			d := deps
			d.Progress = progress.slot(i)
			results[i], errs[i] = importOne(ctx, d, emp, &cfgs[i], opts)
		}(i)
	}
	wg.Wait()
	return collectResults(ctx, results, errs)
}

// selectConfigs returns the configuration of opts.ConfigID or
// opts.MatchCode, or every usable
// configuration flagged "import automatically", and the run-as employee.
func selectConfigs(ctx context.Context, deps Deps, runAs string, opts ImportOptions) ([]store.MailConfig, *store.Employee, error) {
	st := deps.Store
	if st == nil {
		return nil, nil, engine.Permanent(ErrNoStore)
	}
	var cfgs []store.MailConfig
	if opts.ConfigID != 0 {
		cfg, err := st.GetMailConfig(ctx, opts.ConfigID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, engine.Permanent(err)
		} else if err != nil {
			return nil, nil, engine.Retryable(err)
		}
		cfgs = []store.MailConfig{*cfg}
	} else if opts.MatchCode != "" {
		cfg, err := ResolveConfig(ctx, st, opts.MatchCode)
		if err != nil {
			return nil, nil, err
		}
		cfgs = []store.MailConfig{*cfg}
	} else {
		var err error
		if cfgs, err = st.AutoImportMailConfigs(ctx); err != nil {
			return nil, nil, engine.Retryable(err)
		}
	}
	emp, err := ResolveEmployee(ctx, st, runAs)
	if err != nil {
		return nil, nil, err
	}
	return cfgs, emp, nil
}

// importOne imports one configuration; its error names the match code.
func importOne(ctx context.Context, deps Deps, emp *store.Employee, cfg *store.MailConfig, opts ImportOptions) (*Result, error) {
	delegate := emp
	if cfg.ResponsibleID != nil {
		if r, err := deps.Store.GetEmployee(ctx, *cfg.ResponsibleID); err == nil {
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
		} else if opts.Logf != nil {
			opts.Logf("%s", res.Summary())
		}
	}
	return res, err
}

// collectResults keeps the results in configuration order and joins the
// errors; the end of ctx, met by configurations still waiting for a
// slot, is reported once.
func collectResults(ctx context.Context, results []*Result, errs []error) ([]Result, error) {
	var out []Result
	var joined []error
	ctxErr := false
	for i := range results {
		if results[i] != nil {
			out = append(out, *results[i])
		}
		err := errs[i]
		if err == nil {
			continue
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) && results[i] == nil {
			if ctxErr {
				continue
			}
			ctxErr = true
		}
		joined = append(joined, err)
	}
	return out, errors.Join(joined...)
}

// serialLogf makes logf safe to call from concurrent imports.
func serialLogf(logf func(format string, args ...any)) func(format string, args ...any) {
	if logf == nil {
		return nil
	}
	var mu sync.Mutex
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logf(format, args...)
	}
}
