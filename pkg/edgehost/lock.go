package edgehost

import (
	"fmt"
	"time"
)

// LockStale is how long a lock may go unrenewed before it counts as
// abandoned: its holder renews it every LockRenew while it works, so a
// lock this old has a holder that is gone (killed, or cut off from the
// host), however long its deploy may take.
const LockStale = 15 * time.Minute

// LockRenew is how often a holder renews its lock: a few renewals fit in
// LockStale, so one lost to a slow connection does not make it stale.
const LockRenew = time.Minute

// Lock is the deploy lock in state.json.
type Lock struct {
	Holder   string    `json:"holder"`   // user@host
	Hostname string    `json:"hostname"` // the client machine, to test PID liveness there
	PID      int       `json:"pid"`
	Command  string    `json:"command"` // deploy, rollback, secret put, destroy, ...
	Token    string    `json:"token"`   // given back by Unlock and Renew
	Time     time.Time `json:"time"`    // when it was taken
	// Renewed is the holder's last renewal; zero until the first one.
	Renewed time.Time `json:"renewed,omitzero"`
}

// seen is the last time the holder was known to be alive.
func (l *Lock) seen() time.Time {
	if l.Renewed.After(l.Time) {
		return l.Renewed
	}
	return l.Time
}

// Expires is when the lock becomes stale unless its holder renews it.
func (l *Lock) Expires() time.Time { return l.seen().Add(LockStale) }

// String says who holds the lock, for a refused command.
func (l *Lock) String() string {
	s := fmt.Sprintf("%s (pid %d) since %s (%s ago), running `valet %s`",
		l.Holder, l.PID, l.Time.Format(time.RFC3339), time.Since(l.Time).Round(time.Second), l.Command)
	if !l.Renewed.IsZero() {
		s += fmt.Sprintf(", last renewed %s ago", time.Since(l.Renewed).Round(time.Second))
	}
	return s
}

// LockResult is the answer to a lock request.
type LockResult struct {
	Acquired bool  `json:"acquired"`
	Held     *Lock `json:"held,omitempty"`      // the lock as it is now
	TookOver *Lock `json:"took_over,omitempty"` // a stale lock that was replaced
}

func (s *Store) now() time.Time {
	if s.Clock != nil {
		return s.Clock().UTC()
	}
	return time.Now().UTC()
}

// TryLock takes the deploy lock for l unless someone holds it. A lock is
// stale, and taken over, when its holder has not renewed it for LockStale,
// or when takeOver names its token: the client found its holder process
// gone (same machine, dead pid).
func (s *Store) TryLock(l Lock, takeOver string) (*LockResult, error) {
	res := &LockResult{}
	_, err := s.Update(func(st *State) error {
		now := s.now()
		if cur := st.Lock; cur != nil && cur.Token != l.Token {
			stale := now.Sub(cur.seen()) > LockStale || (takeOver != "" && takeOver == cur.Token)
			if !stale {
				res.Held = cur
				return errNoChange
			}
			res.TookOver = cur
		}
		l.Time, l.Renewed = now, time.Time{}
		st.Lock = &l
		res.Acquired, res.Held = true, &l
		return nil
	})
	if err == errNoChange {
		err = nil
	}
	return res, err
}

// Renew records that the holder of token is still at work. Acquired false
// (with Held: the lock as it is now, or nil) means the lock is no longer
// token's: it was taken over or released.
func (s *Store) Renew(token string) (*LockResult, error) {
	res := &LockResult{}
	_, err := s.Update(func(st *State) error {
		res.Held = st.Lock
		if st.Lock == nil || st.Lock.Token != token {
			return errNoChange
		}
		st.Lock.Renewed = s.now()
		res.Acquired = true
		return nil
	})
	if err == errNoChange {
		err = nil
	}
	return res, err
}

// Unlock releases the lock if token still holds it.
func (s *Store) Unlock(token string) error {
	_, err := s.Update(func(st *State) error {
		if st.Lock == nil || st.Lock.Token != token {
			return errNoChange
		}
		st.Lock = nil
		return nil
	})
	if err == errNoChange {
		return nil
	}
	return err
}

type sentinel string

func (e sentinel) Error() string { return string(e) }

// errNoChange makes Update write nothing.
const errNoChange = sentinel("no change")
