package runtime

import (
	"container/heap"
	"sync"
	"time"
)

// loop is an isolate's event loop: a queue of jobs posted from any goroutine
// and a heap of timers, both run on the one goroutine that owns the
// goja.Runtime. Promise jobs (microtasks) need no queue here: goja drains them
// when the outermost call into the VM returns, i.e. after every job.
type loop struct {
	mu      sync.Mutex
	queue   []func()
	spare   []func()
	wake    chan struct{}
	stopped bool

	// Touched only by the loop goroutine.
	timers  timerHeap
	byID    map[int64]*timer
	nextID  int64
	nextSeq int64
	clock   *time.Timer
}

type timer struct {
	id       int64
	seq      int64 // creation order breaks ties between equal deadlines
	when     time.Time
	interval time.Duration // > 0 for setInterval
	fn       func()
	index    int
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*timer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

func newLoop() *loop {
	return &loop{wake: make(chan struct{}, 1), byID: map[int64]*timer{}, clock: time.NewTimer(time.Hour)}
}

// post queues fn to run on the loop. It reports false once the loop stopped.
func (l *loop) post(fn func()) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false
	}
	l.queue = append(l.queue, fn)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return true
}

// addTimer schedules fn after d (repeating when interval). Loop goroutine only.
func (l *loop) addTimer(d time.Duration, repeat bool, fn func()) int64 {
	if d < 0 {
		d = 0
	}
	l.nextID++
	l.nextSeq++
	t := &timer{id: l.nextID, seq: l.nextSeq, when: time.Now().Add(d), fn: fn}
	if repeat {
		t.interval = max(d, time.Millisecond)
	}
	heap.Push(&l.timers, t)
	l.byID[t.id] = t
	return t.id
}

// clearTimer cancels a timer. Loop goroutine only.
func (l *loop) clearTimer(id int64) {
	t, ok := l.byID[id]
	if !ok {
		return
	}
	delete(l.byID, id)
	if t.index >= 0 {
		heap.Remove(&l.timers, t.index)
	}
}

// run executes jobs and timers until stop is called; exec wraps every job.
func (l *loop) run(exec func(func())) {
	for {
		l.mu.Lock()
		jobs := l.queue
		l.queue = l.spare[:0]
		stopped := l.stopped
		l.mu.Unlock()
		for i, fn := range jobs {
			exec(fn)
			jobs[i] = nil
		}
		l.mu.Lock()
		l.spare = jobs[:0]
		l.mu.Unlock()

		now := time.Now()
		for len(l.timers) > 0 && !l.timers[0].when.After(now) {
			t := l.timers[0]
			if t.interval > 0 {
				t.when = now.Add(t.interval)
				l.nextSeq++
				t.seq = l.nextSeq
				heap.Fix(&l.timers, 0)
			} else {
				heap.Pop(&l.timers)
				delete(l.byID, t.id)
			}
			exec(t.fn)
		}
		if stopped {
			return
		}

		l.mu.Lock()
		pending := len(l.queue) > 0 || l.stopped
		l.mu.Unlock()
		if pending {
			continue
		}
		var tc <-chan time.Time
		if len(l.timers) > 0 {
			l.clock.Reset(time.Until(l.timers[0].when))
			tc = l.clock.C
		}
		select {
		case <-l.wake:
		case <-tc:
		}
		if tc != nil && !l.clock.Stop() {
			select {
			case <-l.clock.C:
			default:
			}
		}
	}
}

// stop makes run return after the jobs already queued; later posts fail.
func (l *loop) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}
