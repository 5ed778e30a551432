package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"sync"
	"time"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/proc"
)

// LockedError is a command refused because someone else holds the lock.
type LockedError struct {
	Lock    *edgehost.Lock
	Host    string
	App     string
	Command string // what was refused: deploy, destroy, rollback, ...
}

func (e *LockedError) Error() string {
	what := e.Command
	if what == "" {
		what = "deploy"
	}
	return fmt.Sprintf("cannot run `valet %s` for %s on %s: the deploy lock is held by %s\n"+
		"  Wait for it to finish, then run `valet %s` again. If that process is gone, its lock\n"+
		"  expires at %s (%s after its last renewal), or at once for a command run on %s",
		what, orApp(e.App), e.Host, e.Lock, what,
		e.Lock.Expires().Local().Format(time.RFC3339), edgehost.LockStale, orApp(e.Lock.Hostname))
}

func orApp(app string) string {
	if app == "" {
		return "the app"
	}
	return app
}

// LockLostError is a command stopped because its lock was taken over
// while it ran (its renewals did not reach the host for LockStale).
type LockLostError struct {
	Host    string
	Command string
	Now     *edgehost.Lock // who holds it now; nil when nobody does
}

func (e *LockLostError) Error() string {
	who := "nobody holds it now"
	if e.Now != nil {
		who = "it is held by " + e.Now.String()
	}
	return fmt.Sprintf("`valet %s` lost the deploy lock on %s (%s) and stopped; what it had not switched yet was not switched\n"+
		"  Run it again once the other command is done", e.Command, e.Host, who)
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

// heldLock is the deploy lock this process holds on a host: it is renewed
// until release, and its context ends when the lock was lost.
type heldLock struct {
	ctx     context.Context
	release func()
}

// acquire takes the deploy lock on the host for command. A lock held by a
// dead process of this machine is stale at once and taken over. The lock
// is renewed every t.LockRenew until release; the returned context, derived
// from ctx, is cancelled with a *LockLostError if another client takes the
// lock over meanwhile.
func (t *Target) acquire(ctx context.Context, command string, em *events.Emitter) (*heldLock, error) {
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
			return t.keep(ctx, token, command), nil
		case r.Code == edgehost.ExitRefused && res.Held != nil:
			held := res.Held
			if attempt == 0 && held.Hostname == hostname && (proc.ID{Host: held.Hostname, PID: held.PID}).Gone() {
				args = append(args, "--take-over", held.Token)
				continue
			}
			return nil, &LockedError{Lock: held, Host: t.E.Host(), App: t.App, Command: command}
		default:
			return nil, fmt.Errorf("take the deploy lock on %s: exit %d: %s", t.E.Host(), r.Code, r.Stderr)
		}
	}
	return nil, fmt.Errorf("take the deploy lock on %s: gave up", t.E.Host())
}

// keep renews the lock of token until release. A renewal that fails to
// reach the edge (it is being replaced, the connection hiccups) is tried
// again at the next tick; one the host refuses means the lock is lost.
func (t *Target) keep(ctx context.Context, token, command string) *heldLock {
	every := t.LockRenew
	if every <= 0 {
		every = edgehost.LockRenew
	}
	lctx, cancel := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-lctx.Done():
				return
			case <-tick.C:
			}
			var res edgehost.LockResult
			// A slow answer is no loss: the lock has LockStale to spare.
			rctx, rcancel := context.WithTimeout(lctx, max(every, 30*time.Second))
			r, err := t.edge(rctx, &res, "renew", token)
			rcancel()
			if err == nil && r.Code == edgehost.ExitRefused {
				cancel(&LockLostError{Host: t.E.Host(), Command: command, Now: res.Held})
				return
			}
		}
	}()
	var once sync.Once
	release := func() {
		once.Do(func() {
			close(stop)
			wg.Wait()
			cancel(nil)
			ctx, c := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer c()
			_, _ = t.edge(ctx, nil, "unlock", token)
		})
	}
	return &heldLock{ctx: lctx, release: release}
}

// lockCause turns the failure of work done under a lock that was lost
// meanwhile into the *LockLostError that explains it.
func lockCause(ctx context.Context, err error) error {
	var lost *LockLostError
	if err != nil && errors.As(context.Cause(ctx), &lost) {
		return lost
	}
	return err
}
