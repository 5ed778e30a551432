package runtime

import (
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestLoopOrdersTimersAndJobs(t *testing.T) {
	l := newLoop()
	var (
		mu  sync.Mutex
		got []string
	)
	add := func(s string) { mu.Lock(); got = append(got, s); mu.Unlock() }
	done := make(chan struct{})
	go func() { l.run(func(f func()) { f() }); close(done) }()
	l.post(func() {
		l.addTimer(20*time.Millisecond, false, func() { add("t20"); l.stop() })
		l.addTimer(0, false, func() { add("t0a") })
		l.addTimer(0, false, func() { add("t0b") })
		id := l.addTimer(5*time.Millisecond, false, func() { add("cleared") })
		l.clearTimer(id)
		n := 0
		var iv int64
		iv = l.addTimer(time.Millisecond, true, func() {
			if n++; n == 2 {
				l.clearTimer(iv)
				add("interval x2")
			}
		})
		add("job")
	})
	<-done
	want := []string{"job", "t0a", "t0b", "interval x2", "t20"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	if l.post(func() {}) {
		t.Fatal("post after stop succeeded")
	}
}
