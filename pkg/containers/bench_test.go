package containers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

const benchWorker = `
import { DurableObject } from "cloudflare:workers";
export class Box extends DurableObject {
  async fetch(req) {
    const c = this.ctx.container;
    if (!c.running) c.start();
    return c.getTcpPort(8080).fetch(req.url, { method: req.method });
  }
}
export default {
  fetch(req, env) {
    const name = new URL(req.url).searchParams.get("name") || "warm";
    return env.BOX.getByName(name).fetch(req);
  },
};
`

// BenchmarkDurable is bench/durable.sh: cold start of a new object's
// container through valet against the bare engine doing the same, then warm
// requests through worker, object and container. A benchmark, not a test:
// go test runs it only when asked (-bench), and then once per b.N.
func BenchmarkDurable(b *testing.B) {
	for range b.N {
		durableBench(b)
	}
}

func durableBench(t testing.TB) {
	rounds, _ := strconv.Atoi(os.Getenv("VALET_BENCH_ROUNDS"))
	if rounds <= 0 {
		rounds = 7
	}
	r := newRig(t, benchWorker, 0)
	img := enginetest.GoImage(t, r.e, "durable-server", "../../testdata/durable/server")
	ctx := context.Background()
	client := &http.Client{}
	fetch := func(url string) error {
		res, err := client.Get(url)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		if res.StatusCode != 200 {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}

	var bare, valet []time.Duration
	for i := 0; i < rounds; i++ {
		// Bare engine: create + start + port ready + first answer.
		start := time.Now()
		id, err := r.e.RunContainer(ctx, engine.ContainerSpec{Image: img, Labels: enginetest.Labels(t)})
		if err != nil {
			t.Fatal(err)
		}
		addr, err := r.e.WaitPort(ctx, id, 8080)
		if err == nil {
			err = fetch("http://" + addr + "/")
		}
		if err != nil {
			t.Fatal(err)
		}
		bare = append(bare, time.Since(start))
		_ = r.e.Remove(ctx, id)

		// valet: the first request to a new object until its container answers.
		start = time.Now()
		if err := fetch(r.srv.URL + "/?name=cold" + strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		valet = append(valet, time.Since(start))
	}
	mb, mv := median(bare), median(valet)
	fmt.Printf("cold start: valet %v, bare engine %v (median of %d): overhead %v (target < 50ms)\n", ms(mv), ms(mb), rounds, ms(mv-mb))

	// Warm: one object, its container running.
	url := r.srv.URL + "/?name=warm"
	if err := fetch(url); err != nil {
		t.Fatal(err)
	}
	var lat []time.Duration
	for i := 0; i < 500; i++ {
		s := time.Now()
		if err := fetch(url); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Since(s))
	}
	var n atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(3 * time.Second)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if fetch(url) == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("warm: p50 %v, p99 %v sequential; %d req/s with 16 connections (worker -> object -> container)\n",
		ms(median(lat)), ms(pct(lat, 0.99)), n.Load()/3)
	fmt.Printf("RESULT cold-start overhead %v (valet %v vs engine %v); warm p50 %v, %d req/s\n",
		ms(mv-mb), ms(mv), ms(mb), ms(median(lat)), n.Load()/3)
}

func median(d []time.Duration) time.Duration { return pct(d, 0.5) }

func pct(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(float64(len(s)-1)*p)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
