package wfecmd

import (
	"net"
	"strconv"
	"strings"
)

// checkHostPort checks a host:port flag value: a host (a name or an IP
// address, IPv6 in brackets) and a port from 1 to 65535, or from 0 when
// anyPort is set (a listen address where 0 picks a free port). The error
// is a usage error naming the flag and the value.
func checkHostPort(flagName, v string, anyPort bool) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil || strings.TrimSpace(host) != host {
		return usagef("--%s %s: give the server as host:port, e.g. mail.example.com:993", flagName, v)
	}
	if host == "" && !anyPort {
		return usagef("--%s %s: the host is missing before the port", flagName, v)
	}
	low := 1
	if anyPort {
		low = 0
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < low || n > 65535 {
		return usagef("--%s %s: the port %s is not a number from %d to 65535", flagName, v, port, low)
	}
	return nil
}
