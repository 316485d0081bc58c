package timer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"
)

// BenchmarkTimers10k registers 10,000 tasks (every 1s..60s) on the real
// clock and measures how late the executor is called after the grid point,
// over b.N fires (about 780 fires/s come due). CPU per idle minute is
// measured by engine/timer/internal/benchidle.
func BenchmarkTimers10k(b *testing.B) {
	b.ReportAllocs()
	const n = 10_000
	tasks := make([]Task, n)
	for i := range tasks {
		tasks[i] = Task{Name: fmt.Sprintf("t%05d", i), Kind: KindMailAutoImport,
			Every: time.Duration(i%60+1) * time.Second, Active: true}
	}
	late := make(chan time.Duration, 1<<16)
	s, err := New(
		WithSource(TaskSourceFunc(func(context.Context) ([]Task, error) { return tasks, nil })),
		WithExecutor(func(_ context.Context, _ Task, tick Tick) error {
			select {
			case late <- time.Since(tick.ScheduledAt):
			default:
			}
			return nil
		}),
		WithReloadInterval(time.Hour),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	t0 := time.Now()
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	register := time.Since(t0)
	if got := len(s.NextRuns()); got != n {
		b.Fatalf("%d tasks scheduled, want %d", got, n)
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
	b.ReportMetric(float64(register)/float64(time.Millisecond), "register-10k-ms")
}
