// Package mailserver runs mail servers inside the process, on loopback
// ports: an IMAP server (go-imap's imapserver with the in-memory backend)
// that counts the commands it serves and, like a real server, returns
// every message as it was stored (also one whose header go-message cannot
// read, which the in-memory backend alone would serve empty), and a
// throw-away certificate authority for its TLS modes. `wfe demo` uses it,
// and so do the tests (through package mailtest, which adds helpers that
// fail a test). It imports no testing package, so the wfe binary can hold
// it.
package mailserver
