package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of the times in /proc/PID/stat (USER_HZ, 100 on
// Linux).
const clockTick = 10 * time.Millisecond

// ownCPU is the CPU time (user and system) this process has used: the
// importer runs in it.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// dovecotCPU is the CPU time Dovecot has used so far: its master process
// (the child of this process started with a configuration under dir), the
// children it has reaped (the IMAP sessions that ended) and the children
// still running.
// 0 when /proc cannot be read.
func dovecotCPU(dir string) time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	stats := map[int][]string{}
	master, self := 0, strconv.Itoa(os.Getpid())
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := procStat(pid); f != nil {
			stats[pid] = f
			if f[1] == self && isDovecotOf(pid, dir) {
				master = pid
			}
		}
	}
	if master == 0 {
		return 0
	}
	total := statCPU(stats[master])
	for _, f := range stats {
		if f[1] == strconv.Itoa(master) {
			total += statCPU(f)
		}
	}
	return total
}

// isDovecotOf tells whether process pid was started with a path under
// dir on its command line.
func isDovecotOf(pid int, dir string) bool {
	cmd, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	return err == nil && strings.Contains(string(cmd), dir)
}

// procStat returns the fields of /proc/PID/stat after the command name
// (state, ppid, ...), or nil.
func procStat(pid int) []string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 15 {
		return nil
	}
	return f
}

// statCPU sums utime, stime and the reaped children's cutime and cstime
// of stat fields from procStat.
func statCPU(f []string) time.Duration {
	var ticks int64
	for _, i := range []int{11, 12, 13, 14} {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * clockTick
}

// cpuMeter measures the CPU time of the importer and of Dovecot over a
// phase.
type cpuMeter struct {
	dir             string
	own, dc         time.Duration
	ownUsed, dcUsed time.Duration
}

func startCPU(dovecotDir string) *cpuMeter {
	return &cpuMeter{dir: dovecotDir, own: ownCPU(), dc: dovecotCPU(dovecotDir)}
}

// stop records the CPU time used since startCPU.
func (m *cpuMeter) stop() *cpuMeter {
	m.ownUsed, m.dcUsed = ownCPU()-m.own, dovecotCPU(m.dir)-m.dc
	return m
}

func (m *cpuMeter) total() time.Duration { return m.ownUsed + m.dcUsed }
