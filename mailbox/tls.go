package mailbox

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSConfig returns the client TLS configuration for ep: certificate
// verification on (unless ep.InsecureSkipVerify), the system roots plus the
// certificates of ep.CAFile (docs/REQUIREMENTS.md R22), ServerName host and TLS 1.2 or newer.
// An unreadable CA file or one without a PEM certificate is an error naming
// the file.
func TLSConfig(ep Endpoint, host string) (*tls.Config, error) {
	cfg := &tls.Config{
		ServerName:         host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: ep.InsecureSkipVerify,
	}
	if ep.CAFile == "" {
		return cfg, nil // nil RootCAs: the system roots
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if err := addCAFile(pool, ep.CAFile); err != nil {
		return nil, err
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// CheckCAFile tells whether path is a CA file TLSConfig can use: readable,
// with at least one PEM certificate.
func CheckCAFile(path string) error {
	return addCAFile(x509.NewCertPool(), path)
}

func addCAFile(pool *x509.CertPool, path string) error {
	pem, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("CA file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("CA file %s: no PEM certificate found", path)
	}
	return nil
}

// CertError is a failed verification of a server certificate. Its message
// names the certificate's subject and issuer so the user can tell which CA
// file is missing.
type CertError struct {
	Subject, Issuer string
	Err             error
}

func (e *CertError) Error() string {
	return fmt.Sprintf("server certificate (subject %q, issuer %q) not accepted: %v; "+
		"add the issuing CA to the CA file of the mail configuration", e.Subject, e.Issuer, e.Err)
}

func (e *CertError) Unwrap() error { return e.Err }

// certError turns a certificate verification failure into a *CertError, or
// returns nil when err is no such failure.
func certError(err error) *CertError {
	var cert *x509.Certificate
	var (
		verr *tls.CertificateVerificationError
		uerr x509.UnknownAuthorityError
		herr x509.HostnameError
		ierr x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &verr):
		if len(verr.UnverifiedCertificates) > 0 {
			cert = verr.UnverifiedCertificates[0]
		}
	case errors.As(err, &uerr):
		cert = uerr.Cert
	case errors.As(err, &herr):
		cert = herr.Certificate
	case errors.As(err, &ierr):
		cert = ierr.Cert
	default:
		return nil
	}
	ce := &CertError{Err: err}
	if cert != nil {
		ce.Subject = cert.Subject.String()
		ce.Issuer = cert.Issuer.String()
	}
	return ce
}

// isTLSError reports whether err comes from the TLS layer.
func isTLSError(err error) bool {
	var (
		rh    tls.RecordHeaderError
		alert tls.AlertError
		ce    *CertError
	)
	return errors.As(err, &rh) || errors.As(err, &alert) || errors.As(err, &ce) || certError(err) != nil
}
