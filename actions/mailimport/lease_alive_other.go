//go:build !unix

package mailimport

import "os"

// processAlive reports whether a process with the given id runs on this
// host. Where there is no signal 0 (Windows), a process that cannot be
// found is gone; one that can is taken as alive.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
