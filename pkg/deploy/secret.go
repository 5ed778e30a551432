package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/valet-dev/valet/pkg/config"
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

// SecretPut stores a secret on every host (or the one --host names) and
// reloads the active version with it, one host after the other. The value
// travels only in the input stream of an exec of `valet edge secret put`
// (never as a file, an argument or an environment variable, which the
// engine would keep), and only over a connection that keeps it secret
// (*InsecureError otherwise, before any host is changed).
func SecretPut(ctx context.Context, c Conn, name, value string, em *events.Emitter) error {
	return secretPut(ctx, c, name, value, em, nil)
}

// secretPut is SecretPut; midSend, in tests, runs when half of the value
// has been sent (a point to kill the client at).
func secretPut(ctx context.Context, c Conn, name, value string, em *events.Emitter, midSend func()) error {
	if err := edgehost.ValidSecretName(name); err != nil {
		return err
	}
	return onEveryHost(ctx, c, "secret put", em, func(ts []*Target) error {
		for _, t := range ts {
			if why := t.E.Insecure(); why != "" {
				return &InsecureError{Name: name, Host: t.E.Host(), Why: why}
			}
		}
		if name == config.SecretClusterKey && len(ts) > 1 {
			em.Warn(fmt.Sprintf("a new %s splits the cluster until every host has reloaded with it: instances with different keys cannot reach each other", name))
		}
		return nil
	}, func(ctx context.Context, t *Target) error {
		return t.putSecret(ctx, name, value, midSend)
	})
}

// SecretDelete removes a secret from every host and reloads each one's
// active version.
func SecretDelete(ctx context.Context, c Conn, name string, em *events.Emitter) error {
	return onEveryHost(ctx, c, "secret delete", em, nil, func(ctx context.Context, t *Target) error {
		return t.secretVerb(ctx, nil, "delete", name)
	})
}

// SecretNames lists the secrets' names (never their values) held on the
// hosts; a name some hosts lack is a warning on em (nil: none).
func SecretNames(ctx context.Context, c Conn, em *events.Emitter) ([]string, error) {
	hosts, err := c.Hosts()
	if err != nil {
		return nil, err
	}
	held := map[string][]string{}
	for _, h := range hosts {
		t, err := c.attachedAt(ctx, h)
		if err != nil {
			return nil, err
		}
		names, err := t.secretNames(ctx)
		t.E.Close()
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			held[n] = append(held[n], hostLabel(h.Host))
		}
	}
	var out []string
	for n, on := range held {
		out = append(out, n)
		if len(on) < len(hosts) {
			em.Warn(fmt.Sprintf("secret %s is only on %s: put it again to have it on every host", n, strings.Join(on, ", ")))
		}
	}
	sort.Strings(out)
	return out, nil
}

// onEveryHost connects to every host the command works on (each must run
// the app's edge), runs check on them, takes their deploy locks in the
// config's order, and runs fn on each in turn, under the locks.
func onEveryHost(ctx context.Context, c Conn, command string, em *events.Emitter, check func([]*Target) error, fn func(context.Context, *Target) error) error {
	ts, err := c.attachAll(ctx)
	if err != nil {
		return err
	}
	defer closeAll(ts)
	if check != nil {
		if err := check(ts); err != nil {
			return err
		}
	}
	locks, err := lockAll(ctx, ts, command, em)
	if err != nil {
		return err
	}
	defer locks.release()
	for i, t := range ts {
		if err := lockCause(locks.ctx, fn(locks.ctx, t)); err != nil {
			if i > 0 {
				err = fmt.Errorf("%w\n  done on %s; not on the hosts after it", err, strings.Join(targetLabels(ts[:i]), ", "))
			}
			return err
		}
	}
	return nil
}

// attachAll connects to every host the command works on, each running the
// app's edge (*NotDeployedError otherwise).
func (c Conn) attachAll(ctx context.Context) ([]*Target, error) {
	hosts, err := c.Hosts()
	if err != nil {
		return nil, err
	}
	var ts []*Target
	for _, h := range hosts {
		t, err := c.attachedAt(ctx, h)
		if err != nil {
			closeAll(ts)
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, nil
}

func closeAll(ts []*Target) {
	for _, t := range ts {
		t.E.Close()
	}
}

func targetLabels(ts []*Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = hostLabel(t.E.Host())
	}
	return out
}

// putSecret stores one secret on the host (the edge reloads its active
// version); midSend, in tests, runs when half the value is sent.
func (t *Target) putSecret(ctx context.Context, name, value string, midSend func()) error {
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
	return t.secretVerb(ctx, send, "put", name)
}

// secretNames lists the names of the host's secrets.
func (t *Target) secretNames(ctx context.Context) ([]string, error) {
	var a struct {
		Names []string `json:"names"`
	}
	if err := t.edgeOK(ctx, &a, "secret", "list"); err != nil {
		return nil, err
	}
	return a.Names, nil
}

// secretDigest is the digest of one secret of the host ("" when it has
// none): hosts compare a secret without showing it.
func (t *Target) secretDigest(ctx context.Context, name string) (string, error) {
	var a struct {
		Digest string `json:"digest"`
	}
	if err := t.edgeOK(ctx, &a, "secret", "digest", name); err != nil {
		return "", fmt.Errorf("%w\n  The edge runs an older valet: deploy to that host alone first (--host)", err)
	}
	return a.Digest, nil
}

// clusterKey reads the cluster key from the host, to give it to a host
// that joins: the one secret valet hands between hosts, over connections
// that keep it secret.
func (t *Target) clusterKey(ctx context.Context) (string, error) {
	if why := t.E.Insecure(); why != "" {
		return "", &InsecureError{Name: config.SecretClusterKey, Host: t.E.Host(), Why: why}
	}
	var a struct {
		Value string `json:"value"`
	}
	if err := t.edgeOK(ctx, &a, "secret", "get", config.SecretClusterKey); err != nil {
		return "", err
	}
	if a.Value == "" {
		return "", fmt.Errorf("the cluster key is no longer on %s", t.E.Host())
	}
	return a.Value, nil
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
