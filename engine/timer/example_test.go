package timer_test

import (
	"context"
	"fmt"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/wfehq/wfe/engine/timer"
)

// A node runs the built-in mail import every ten minutes; the store would
// supply the tasks, the claims and the run records.
func ExampleScheduler() {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 1, 5, 10, 3, 0, 0, time.UTC))
	tasks := []timer.Task{{Name: "mail-auto-import", Kind: timer.KindMailAutoImport, Every: 10 * time.Minute, Active: true}}
	ran := make(chan timer.Tick, 1)
	s, err := timer.New(
		timer.WithClock(clock),
		timer.WithNode("node-a"),
		timer.WithSource(timer.TaskSourceFunc(func(context.Context) ([]timer.Task, error) { return tasks, nil })),
		timer.WithClaimer(timer.NewMemoryClaimer()),
		timer.WithExecutor(func(_ context.Context, t timer.Task, tick timer.Tick) error {
			ran <- tick
			return nil
		}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Shutdown(context.Background())
	if err := s.Start(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("next:", s.NextRuns()["mail-auto-import"].Format(time.TimeOnly))

	_ = clock.BlockUntilContext(context.Background(), 2) // the job's timer and the reload ticker
	clock.Advance(8 * time.Minute)
	tick := <-ran
	fmt.Println("ran for", tick.ScheduledAt.Format(time.TimeOnly), "on", tick.Node)
	// Output:
	// next: 10:10:00
	// ran for 10:10:00 on node-a
}
