// Command benchidle measures the CPU a Scheduler spends on N registered
// timer tasks: it registers them, lets the scheduler settle, then runs for
// a given duration and prints user+sys CPU time from getrusage, scaled to
// one minute.
//
//	go run ./engine/timer/internal/benchidle -tasks 10000 -every 1h -for 60s
//	go run ./engine/timer/internal/benchidle -tasks 10000 -every 0 -for 60s   # mixed 1s..60s, busy
//	go run ./engine/timer/internal/benchidle -tasks 10000 -reload 1h          # without reloads
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wfehq/wfe/engine/timer"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fmt.Fprintln(os.Stderr, "getrusage:", err)
		os.Exit(1)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	n := flag.Int("tasks", 10000, "number of tasks")
	every := flag.Duration("every", time.Hour, "period of every task; 0 = mixed 1s..60s")
	window := flag.Duration("for", time.Minute, "measurement window")
	reload := flag.Duration("reload", timer.DefaultReloadInterval, "task list reload interval")
	flag.Parse()

	tasks := make([]timer.Task, *n)
	for i := range tasks {
		d := *every
		if d == 0 {
			d = time.Duration(i%60+1) * time.Second
		}
		tasks[i] = timer.Task{Name: fmt.Sprintf("t%05d", i), Kind: timer.KindMailAutoImport, Every: d, Active: true}
	}
	var fires atomic.Int64
	s, err := timer.New(
		timer.WithSource(timer.TaskSourceFunc(func(context.Context) ([]timer.Task, error) { return tasks, nil })),
		timer.WithExecutor(func(context.Context, timer.Task, timer.Tick) error { fires.Add(1); return nil }),
		timer.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		timer.WithReloadInterval(*reload),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := s.Start(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	time.Sleep(2 * time.Second) // settle after registration
	c0, f0, t0 := cpu(), fires.Load(), time.Now()
	time.Sleep(*window)
	c1, f1, el := cpu(), fires.Load(), time.Since(t0)
	_ = s.Shutdown(context.Background())
	used := c1 - c0
	fmt.Printf("tasks=%d every=%s reload=%s window=%s cpu=%s cpu_per_minute=%s fires=%d\n",
		*n, *every, *reload, el.Round(time.Millisecond), used.Round(time.Microsecond),
		(time.Duration(float64(used) * float64(time.Minute) / float64(el))).Round(time.Microsecond), f1-f0)
}
