// Package mailserver runs mail servers inside the process, on loopback
// ports: an IMAP server (go-imap's imapserver with the in-memory backend)
// that counts the commands it serves, and a throw-away certificate
// authority for its TLS modes. `wfe demo` uses it, and so do the tests
// (through package mailtest, which adds helpers that fail a test). It
// imports no testing package, so the wfe binary can hold it.
package mailserver
