package edgehost

import (
	"fmt"
	"time"
)

// LockStale is the age after which a lock whose holder is gone may be taken over.
const LockStale = 15 * time.Minute

// Lock is the deploy lock in state.json.
type Lock struct {
	Holder   string    `json:"holder"`   // user@host
	Hostname string    `json:"hostname"` // the client machine, to test PID liveness there
	PID      int       `json:"pid"`
	Command  string    `json:"command"` // deploy, rollback, secret put, ...
	Token    string    `json:"token"`   // given back by Unlock
	Time     time.Time `json:"time"`
}

// String says who holds the lock, for a refused deploy.
func (l *Lock) String() string {
	return fmt.Sprintf("%s (pid %d) since %s (%s ago), running `valet %s`",
		l.Holder, l.PID, l.Time.Format(time.RFC3339), time.Since(l.Time).Round(time.Second), l.Command)
}

// LockResult is the answer to a lock request.
type LockResult struct {
	Acquired bool  `json:"acquired"`
	Held     *Lock `json:"held,omitempty"`      // the lock as it is now
	TookOver *Lock `json:"took_over,omitempty"` // a stale lock that was replaced
}

// TryLock takes the deploy lock for l unless someone holds it. takeOver
// names the token of a lock the client judged stale (its holder process is
// gone); a lock older than LockStale is stale for anyone.
func (s *Store) TryLock(l Lock, takeOver string) (*LockResult, error) {
	res := &LockResult{}
	_, err := s.Update(func(st *State) error {
		if cur := st.Lock; cur != nil && cur.Token != l.Token {
			stale := time.Since(cur.Time) > LockStale || (takeOver != "" && takeOver == cur.Token)
			if !stale {
				res.Held = cur
				return errNoChange
			}
			res.TookOver = cur
		}
		l.Time = time.Now().UTC()
		st.Lock = &l
		res.Acquired, res.Held = true, &l
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
