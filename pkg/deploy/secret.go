package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/events"
)

// InsecureError is a secret that valet refused to send over a connection
// that does not keep it secret.
type InsecureError struct {
	Name, Host, Why string
}

func (e *InsecureError) Error() string {
	return fmt.Sprintf("refusing to send secret %s to %s: the connection is %s\n"+
		"  Secure it: deploy over ssh://user@host (the engine's socket through ssh), run valet on the host\n"+
		"  itself over unix:///var/run/docker.sock, or keep tcp:// with TLS verified: DOCKER_TLS_VERIFY=1 and\n"+
		"  DOCKER_CERT_PATH set to a directory holding ca.pem (the CA of the engine's certificate), cert.pem and key.pem",
		e.Name, e.Host, e.Why)
}

// ExitCode is 2: how the host is reached is configuration.
func (e *InsecureError) ExitCode() int { return 2 }

// SecretPut stores a secret on the host and reloads the active version
// with it. The value travels only in the input stream of an exec of
// `valet edge secret put` (never as a file, an argument or an environment
// variable, which the engine would keep), and only over a connection that
// keeps it secret (*InsecureError otherwise).
func SecretPut(ctx context.Context, c Conn, name, value string, em *events.Emitter) error {
	return secretPut(ctx, c, name, value, em, nil)
}

// secretPut is SecretPut; midSend, in tests, runs when half of the value
// has been sent (a point to kill the client at).
func secretPut(ctx context.Context, c Conn, name, value string, em *events.Emitter, midSend func()) error {
	if err := edgehost.ValidSecretName(name); err != nil {
		return err
	}
	t, err := c.attached(ctx)
	if err != nil {
		return err
	}
	defer t.E.Close()
	if why := t.E.Insecure(); why != "" {
		return &InsecureError{Name: name, Host: t.E.Host(), Why: why}
	}
	held, err := t.acquire(ctx, "secret put", em)
	if err != nil {
		return err
	}
	defer held.release()
	input, err := json.Marshal(edgehost.SecretInput{Value: value})
	if err != nil {
		return err
	}
	send := func(w io.Writer) error {
		if midSend == nil {
			_, err := w.Write(input)
			return err
		}
		half := len(input) / 2
		if _, err := w.Write(input[:half]); err != nil {
			return err
		}
		midSend()
		_, err := w.Write(input[half:])
		return err
	}
	return lockCause(held.ctx, t.secretVerb(held.ctx, send, "put", name))
}

// SecretDelete removes a secret and reloads the active version.
func SecretDelete(ctx context.Context, c Conn, name string, em *events.Emitter) error {
	t, err := c.attached(ctx)
	if err != nil {
		return err
	}
	defer t.E.Close()
	held, err := t.acquire(ctx, "secret delete", em)
	if err != nil {
		return err
	}
	defer held.release()
	return lockCause(held.ctx, t.secretVerb(held.ctx, nil, "delete", name))
}

// SecretNames lists the secrets' names (never their values).
func SecretNames(ctx context.Context, c Conn) ([]string, error) {
	t, err := c.attached(ctx)
	if err != nil {
		return nil, err
	}
	defer t.E.Close()
	var a struct {
		Names []string `json:"names"`
	}
	if err := t.edgeOK(ctx, &a, "secret", "list"); err != nil {
		return nil, err
	}
	return a.Names, nil
}

func (t *Target) secretVerb(ctx context.Context, send func(io.Writer) error, args ...string) error {
	var a struct {
		Reload *edgehost.ActivateResult `json:"reload"`
	}
	x, err := t.edgeIn(ctx, &a, send, append([]string{"secret"}, args...)...)
	if err != nil {
		return err
	}
	if a.Reload != nil && !a.Reload.OK {
		return &HealthCheckError{Version: a.Reload.Version, Serving: a.Reload.Previous, Result: a.Reload}
	}
	switch x.Code {
	case 0:
		return nil
	case edgehost.ExitUsage:
		return fmt.Errorf("secret %s on %s: the edge runs an older valet that does not take the value this way: run valet deploy to update it, then try again", args[0], t.E.Host())
	}
	return fmt.Errorf("secret %s on %s: %s", args[0], t.E.Host(), strings.TrimSpace(string(x.Stderr)))
}
