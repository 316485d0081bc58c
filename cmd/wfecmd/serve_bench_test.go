package wfecmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// storeWith10kTimers fills st with n timer tasks of the given period (0:
// mixed 1s..60s).
func storeWith10kTimers(b *testing.B, st *store.Store, n int, every time.Duration) *store.Store {
	b.Helper()
	rows := make([]store.TimerTask, n)
	now := time.Now().UTC()
	for i := range rows {
		d := every
		if d == 0 {
			d = time.Duration(i%60+1) * time.Second
		}
		rows[i] = store.TimerTask{Name: fmt.Sprintf("t%05d", i), Type: store.TimerMailAutoImport, Every: d, Active: true,
			CreatedAt: now, UpdatedAt: now}
	}
	if err := st.CreateTimers(context.Background(), rows); err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkTimerSource10k is one reload of 10,000 stored timer tasks:
// "full" reads the table, "probe" answers from the cache after the
// TimerStamp query (what an idle serve does between changes).
func BenchmarkTimerSource10k(b *testing.B) {
	st := storeWith10kTimers(b, storetest.Open(b), 10_000, time.Hour)
	ctx := context.Background()
	for _, mode := range []string{"full", "probe"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			src := &storeTasks{st: st}
			if _, err := src.Tasks(ctx); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if mode == "full" {
					src.tasks = nil
				} else {
					src.cached = 0
				}
				tasks, err := src.Tasks(ctx)
				if err != nil || len(tasks) != 10_000 {
					b.Fatalf("%d tasks: %v", len(tasks), err)
				}
			}
		})
	}
}

// BenchmarkServeTimers10k runs serve's scheduler (store task source
// reloaded every 5s, every tick claimed in the store) over 10,000 tasks
// every 1s..60s (about 780 ticks/s) and reports how late the executor
// runs after the grid point, over b.N ticks: on SQLite, and on PostgreSQL
// when WFE_TEST_POSTGRES is set.
func BenchmarkServeTimers10k(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchServeTimers(b, storeWith10kTimers(b, storetest.Open(b), 10_000, 0)) })
	b.Run("postgres", func(b *testing.B) {
		st := storetest.OpenPostgres(b)
		if err := st.LimitConns(defaultDBConns); err != nil {
			b.Fatal(err)
		}
		benchServeTimers(b, storeWith10kTimers(b, st, 10_000, 0))
	})
}

func benchServeTimers(b *testing.B, st *store.Store) {
	late := make(chan time.Duration, 1<<16)
	svc := &timerService{st: st, node: "bench", log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s, err := svc.newScheduler(time.UTC,
		timer.WithExecutor(func(_ context.Context, _ timer.Task, tick timer.Tick) error {
			select {
			case late <- time.Since(tick.ScheduledAt):
			default:
			}
			return nil
		}),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	samples := make([]time.Duration, 0, b.N)
	for range b.N {
		samples = append(samples, <-late)
	}
	b.StopTimer()
	slices.Sort(samples)
	pct := func(p float64) float64 {
		return float64(samples[int(p*float64(len(samples)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-late-ms")
	b.ReportMetric(pct(0.99), "p99-late-ms")
	b.ReportMetric(pct(1), "max-late-ms")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkServeIdle10k is an idle serve: 10,000 stored tasks every hour,
// the task list reloaded every 5s. Each iteration waits 5s (one reload);
// run it with -benchtime=12x for a minute. It reports the process CPU
// time per minute.
func BenchmarkServeIdle10k(b *testing.B) {
	st := storeWith10kTimers(b, storetest.Open(b), 10_000, time.Hour)
	s, err := timer.New(
		timer.WithSource(&storeTasks{st: st}),
		timer.WithClaimer(st),
		timer.WithExecutor(func(context.Context, timer.Task, timer.Tick) error { return nil }),
		timer.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	time.Sleep(time.Second) // settle after registration
	b.ResetTimer()
	c0, t0 := cpuTime(), time.Now()
	for range b.N {
		time.Sleep(timer.DefaultReloadInterval)
	}
	used, el := cpuTime()-c0, time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(used)/float64(el)*float64(time.Minute)/float64(time.Millisecond), "cpu-ms/min")
}
