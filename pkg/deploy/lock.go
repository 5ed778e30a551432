package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/events"
)

// LockedError is a deploy refused because someone else holds the lock.
type LockedError struct {
	Lock *edgehost.Lock
	Host string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("the deploy lock on %s is held by %s\n"+
		"  Wait for it to finish; if that process is gone, the lock expires at %s (15 minutes after it was taken)",
		e.Host, e.Lock, e.Lock.Time.Add(edgehost.LockStale).Local().Format(time.RFC3339))
}

// Holder is who this process is, as a lock records it: user@host.
func Holder() (holder, hostname string) {
	hostname, _ = os.Hostname()
	name := "someone"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	} else if v := os.Getenv("USER"); v != "" {
		name = v
	}
	return name + "@" + hostname, hostname
}

// acquire takes the deploy lock on the host and returns its release. A lock
// held by a dead process of this machine is stale at once and taken over.
func (t *Target) acquire(ctx context.Context, command string, em *events.Emitter) (func(), error) {
	holder, hostname := Holder()
	tok := make([]byte, 8)
	_, _ = rand.Read(tok)
	token := hex.EncodeToString(tok)
	args := []string{"lock", "--token", token, "--holder", holder, "--hostname", hostname,
		"--pid", strconv.Itoa(os.Getpid()), "--command", command}
	for attempt := 0; attempt < 2; attempt++ {
		var res edgehost.LockResult
		r, err := t.edge(ctx, &res, args...)
		if err != nil {
			return nil, err
		}
		switch {
		case r.Code == 0 && res.Acquired:
			if res.TookOver != nil {
				em.Warn("took over a stale deploy lock: " + res.TookOver.String())
			}
			release := func() {
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				defer cancel()
				_, _ = t.edge(ctx, nil, "unlock", token)
			}
			return release, nil
		case r.Code == edgehost.ExitRefused && res.Held != nil:
			held := res.Held
			if attempt == 0 && held.Hostname == hostname && !pidAlive(held.PID) {
				args = append(args, "--take-over", held.Token)
				continue
			}
			return nil, &LockedError{Lock: held, Host: t.E.Host()}
		default:
			return nil, fmt.Errorf("take the deploy lock on %s: exit %d: %s", t.E.Host(), r.Code, r.Stderr)
		}
	}
	return nil, fmt.Errorf("take the deploy lock on %s: gave up", t.E.Host())
}
