package durable

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/valet-dev/valet/pkg/events"
)

// maxAlarmRetries is the platform's: a throwing alarm() runs at most 6 more times.
const maxAlarmRetries = 6

// alarms schedules every object's alarm. The times live in an index
// database beside the objects, so that alarms survive a restart and wake
// objects that were evicted.
type alarms struct {
	r     *Registry
	index *Storage

	mu      sync.Mutex
	entries map[string]*alarm // "Class/id"
	wake    chan struct{}
	cancel  context.CancelFunc
	ctx     context.Context
	firing  sync.WaitGroup
}

type alarm struct {
	class, id, name string
	at              time.Time // zero: none scheduled
	retry           int       // retries already made for at
	running         bool
}

func openAlarms(r *Registry, path string) (*alarms, error) {
	idx, err := OpenStorage(path)
	if err != nil {
		return nil, err
	}
	if _, err := idx.Exec(`CREATE TABLE IF NOT EXISTS alarms (class TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL, PRIMARY KEY (class, id))`); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("durable: alarm index %s: %w", path, err)
	}
	a := &alarms{r: r, index: idx, entries: map[string]*alarm{}, wake: make(chan struct{}, 1)}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	res, err := idx.Exec(`SELECT class, id, name, at FROM alarms`)
	if err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("durable: alarm index %s: %w", path, err)
	}
	for _, row := range res.Rows {
		class, _ := row[0].(string)
		id, _ := row[1].(string)
		name, _ := row[2].(string)
		at, _ := row[3].(int64)
		if r.classes[class] {
			a.entries[class+"/"+id] = &alarm{class: class, id: id, name: name, at: time.UnixMilli(at)}
		}
	}
	return a, nil
}

func (a *alarms) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// get is getAlarm(): the scheduled time, if any.
func (a *alarms) get(key string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.entries[key]
	if e == nil || e.at.IsZero() {
		return time.Time{}, false
	}
	return e.at, true
}

func (a *alarms) running(key string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.entries[key]
	return e != nil && (e.running || !e.at.IsZero())
}

// set is setAlarm(t): it replaces any scheduled alarm.
func (a *alarms) set(class, id, name string, at time.Time) error {
	if _, err := a.index.Exec(`INSERT INTO alarms (class, id, name, at) VALUES (?, ?, ?, ?) ON CONFLICT(class, id) DO UPDATE SET at = excluded.at, name = excluded.name`, class, id, name, at.UnixMilli()); err != nil {
		return fmt.Errorf("setAlarm: %w", err)
	}
	a.mu.Lock()
	key := class + "/" + id
	e := a.entries[key]
	if e == nil {
		e = &alarm{class: class, id: id}
		a.entries[key] = e
	}
	e.name, e.at, e.retry = name, at, 0
	a.mu.Unlock()
	a.poke()
	return nil
}

// clear is deleteAlarm().
func (a *alarms) clear(key string) error {
	a.mu.Lock()
	e := a.entries[key]
	if e != nil {
		e.at, e.retry = time.Time{}, 0
		if !e.running {
			delete(a.entries, key)
		}
	}
	a.mu.Unlock()
	if e == nil {
		return nil
	}
	if _, err := a.index.Exec(`DELETE FROM alarms WHERE class = ? AND id = ?`, e.class, e.id); err != nil {
		return fmt.Errorf("deleteAlarm: %w", err)
	}
	return nil
}

// loop fires due alarms, one at a time per object.
func (a *alarms) loop() {
	defer a.r.done.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		next := a.fireDue(time.Now())
		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), 0)
		}
		t.Reset(wait)
		select {
		case <-a.r.stop:
			a.cancel()
			a.firing.Wait()
			return
		case <-a.wake:
		case <-t.C:
		}
	}
}

// fireDue starts the due alarms and returns the earliest one still waiting.
func (a *alarms) fireDue(now time.Time) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	var next time.Time
	for key, e := range a.entries {
		if e.running || e.at.IsZero() {
			continue
		}
		if e.at.After(now) {
			if next.IsZero() || e.at.Before(next) {
				next = e.at
			}
			continue
		}
		e.running = true
		retry, at := e.retry, e.at
		e.at, e.retry = time.Time{}, 0
		a.firing.Add(1)
		go a.fire(key, e.class, e.id, e.name, at, retry)
	}
	return next
}

// fire runs alarm() and reschedules it with backoff when it throws. The
// index keeps the alarm's row until the delivery is over, so an alarm cut
// short by a kill or a shutdown fires again at the next start (the
// platform's at-least-once delivery).
func (a *alarms) fire(key, class, id, name string, at time.Time, retry int) {
	defer a.firing.Done()
	err := a.r.alarm(a.ctx, class, id, name, retry)
	if a.ctx.Err() != nil {
		// Interrupted by shutdown: the row stays for the next start.
		a.mu.Lock()
		if e := a.entries[key]; e != nil {
			e.running = false
		}
		a.mu.Unlock()
		return
	}
	// Done: drop the row unless alarm() set a new time (or deleted it).
	_, _ = a.index.Exec(`DELETE FROM alarms WHERE class = ? AND id = ? AND at = ?`, class, id, at.UnixMilli())
	a.mu.Lock()
	e := a.entries[key]
	var reschedule time.Time
	if e != nil {
		e.running = false
		if err != nil && e.at.IsZero() && retry < maxAlarmRetries && a.ctx.Err() == nil {
			e.at = time.Now().Add(a.r.opts.AlarmRetryBase << retry)
			e.retry = retry + 1
			reschedule = e.at
		}
		if e.at.IsZero() {
			delete(a.entries, key)
		}
	}
	a.mu.Unlock()
	if err != nil {
		msg := fmt.Sprintf("alarm() of %s %s failed: %v", class, short(id), err)
		if !reschedule.IsZero() {
			msg += fmt.Sprintf(" (retry %d of %d at %s)", retry+1, maxAlarmRetries, reschedule.Format(time.TimeOnly))
		}
		a.r.opts.Events.Emit(events.Event{Kind: events.Log, Source: "durable:" + class, Step: "error", Message: msg})
	}
	if !reschedule.IsZero() {
		_, _ = a.index.Exec(`INSERT INTO alarms (class, id, name, at) VALUES (?, ?, ?, ?) ON CONFLICT(class, id) DO UPDATE SET at = excluded.at`, class, id, name, reschedule.UnixMilli())
	}
	a.poke()
}

func (a *alarms) close() error { return a.index.Close() }

// alarm delivers alarm({isRetry, retryCount}) to the object.
func (r *Registry) alarm(ctx context.Context, class, id, name string, retry int) error {
	o, err := r.acquire(ctx, class, id, name)
	if err != nil {
		return err
	}
	defer o.release()
	res, err := o.deliver(ctx, func(vm *goja.Runtime) (goja.Value, error) {
		info := vm.NewObject()
		_ = info.Set("isRetry", retry > 0)
		_ = info.Set("retryCount", retry)
		fn, _ := goja.AssertFunction(o.holder.Get("alarm"))
		return fn(o.holder, info)
	})
	if err != nil {
		return err
	}
	if res.threw {
		return fmt.Errorf("%s", errorText(res.ser))
	}
	return nil
}
