package timer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
)

// Default settings.
const (
	DefaultReloadInterval = 5 * time.Second
	DefaultGracePeriod    = 30 * time.Second
)

// ErrOption is wrapped by every error of an invalid option.
var ErrOption = errors.New("timer: invalid option")

// Option configures a Scheduler; options validate their argument.
type Option func(*config) error

type config struct {
	clock   clockwork.Clock
	node    string
	source  TaskSource
	claimer Claimer
	exec    Executor
	rec     Recorder
	reload  time.Duration
	grace   time.Duration
	log     *slog.Logger
	loc     *time.Location
}

func optErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrOption, fmt.Sprintf(format, args...))
}

// WithClock sets the clock (default: the real clock). Tests pass a
// clockwork.FakeClock.
func WithClock(c clockwork.Clock) Option {
	return func(cfg *config) error {
		if c == nil {
			return optErr("WithClock: nil clock")
		}
		cfg.clock = c
		return nil
	}
}

// WithNode names this node in ticks and claims (default: host name and
// process id).
func WithNode(name string) Option {
	return func(cfg *config) error {
		if strings.TrimSpace(name) == "" {
			return optErr("WithNode: empty node name")
		}
		cfg.node = name
		return nil
	}
}

// WithSource sets where tasks come from (required).
func WithSource(src TaskSource) Option {
	return func(cfg *config) error {
		if src == nil {
			return optErr("WithSource: nil source")
		}
		cfg.source = src
		return nil
	}
}

// WithClaimer sets the tick claimer (default: a MemoryClaimer, right for a
// single node only).
func WithClaimer(c Claimer) Option {
	return func(cfg *config) error {
		if c == nil {
			return optErr("WithClaimer: nil claimer")
		}
		cfg.claimer = c
		return nil
	}
}

// WithExecutor sets what runs a task (required).
func WithExecutor(e Executor) Option {
	return func(cfg *config) error {
		if e == nil {
			return optErr("WithExecutor: nil executor")
		}
		cfg.exec = e
		return nil
	}
}

// WithRecorder sets who is told of every tick's outcome (default: nobody).
func WithRecorder(r Recorder) Option {
	return func(cfg *config) error {
		if r == nil {
			return optErr("WithRecorder: nil recorder")
		}
		cfg.rec = r
		return nil
	}
}

// WithReloadInterval sets how often the task list is read again (default 5s).
func WithReloadInterval(d time.Duration) Option {
	return func(cfg *config) error {
		if d <= 0 {
			return optErr("WithReloadInterval: interval %s must be positive", d)
		}
		cfg.reload = d
		return nil
	}
}

// WithGracePeriod sets how long Shutdown waits for running executions
// before it cancels their context (default 30s; 0 cancels at once).
func WithGracePeriod(d time.Duration) Option {
	return func(cfg *config) error {
		if d < 0 {
			return optErr("WithGracePeriod: period %s must not be negative", d)
		}
		cfg.grace = d
		return nil
	}
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) error {
		if l == nil {
			return optErr("WithLogger: nil logger")
		}
		cfg.log = l
		return nil
	}
}

// WithLocation sets the time zone cron expressions are read in (default
// time.Local). Every node must use the same location.
func WithLocation(loc *time.Location) Option {
	return func(cfg *config) error {
		if loc == nil {
			return optErr("WithLocation: nil location")
		}
		cfg.loc = loc
		return nil
	}
}

func newConfig(opts []Option) (config, error) {
	cfg := config{
		clock:  clockwork.NewRealClock(),
		reload: DefaultReloadInterval,
		grace:  DefaultGracePeriod,
		log:    slog.Default(),
		loc:    time.Local,
		rec:    RecorderFunc(func(context.Context, Fire) error { return nil }),
	}
	for _, o := range opts {
		if o == nil {
			return cfg, optErr("nil option")
		}
		if err := o(&cfg); err != nil {
			return cfg, err
		}
	}
	if cfg.source == nil {
		return cfg, optErr("no task source (WithSource)")
	}
	if cfg.exec == nil {
		return cfg, optErr("no executor (WithExecutor)")
	}
	if cfg.claimer == nil {
		cfg.claimer = NewMemoryClaimer()
	}
	if cfg.node == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "node"
		}
		cfg.node = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return cfg, nil
}
