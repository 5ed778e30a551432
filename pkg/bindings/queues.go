package bindings

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// queueProducers are `queues.producers`: each a `queue` binding to workerd's
// bundled Queues (`/workerd/queues.js`), one service for every queue of
// every worker of the process, the queue named in the binding's props. The
// messages live under PersistTo/queues, one SQLite table a shard.
var queueProducers = &Kind{
	Name:  "queue",
	Order: 16,
	List: func(c *config.Config, _ []string) []Binding {
		if c.Queues == nil {
			return nil
		}
		var out []Binding
		for _, p := range c.Queues.Producers {
			// Class shows the queue on the dashboard.
			b := Binding{Name: p.Binding, ID: p.Queue, Class: p.Queue}
			if p.DeliveryDelay != nil {
				b.Value = *p.DeliveryDelay
			}
			out = append(out, b)
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		// The queues service itself is added by Process: it needs every
		// worker's consumers. A front worker per producer gives it
		// wrangler dev's answers (js/queue.js).
		front := queuesService + "-producer-" + b.ID
		bindings := []string{workerd.NewStruct().Text("name", "QUEUE").Set("service", propsDesignator(queuesService, "queue", b.ID)).String()}
		if delay, ok := b.Value.(int); ok && delay > 0 {
			front += "-delay-" + strconv.Itoa(delay)
			bindings = append(bindings, workerd.NewStruct().Text("name", "DELAY").Set("json", workerd.Quote(strconv.Itoa(delay))).String())
		}
		ctx.Services.Add(frontWorker(front, "queue.js", queueFront, bindings...))
		return workerd.Binding{Name: b.Name, Member: "queue", Value: workerd.NewStruct().Text("name", front).String()}, nil
	},
	Type:    func(Binding, TypeContext) (string, error) { return "Queue", nil },
	State:   queueState,
	Data:    queueData,
	Process: queuesProcess,
}

// queueConsumers are `queues.consumers`: the queues whose batches go to the
// worker's queue handler, with their settings. Not in env.
var queueConsumers = &Kind{
	Name:  "queue consumer",
	Order: 17,
	List: func(c *config.Config, _ []string) []Binding {
		if c.Queues == nil {
			return nil
		}
		var out []Binding
		for _, cs := range c.Queues.Consumers {
			out = append(out, Binding{Name: cs.Queue, ID: cs.Queue})
		}
		return out
	},
	State: queueState,
	Data:  queueData,
}

func queueData(b Binding) string { return fmt.Sprintf("queue %s (its messages)", b.ID) }

// queueFront is the worker between a producer and the bundled module.
//
//go:embed js/queue.js
var queueFront string

const (
	queuesService = "valet-queues"
	queuesClass   = "QueueShard"
)

// queueSettings is a consumer as the bundled module's CONSUMERS takes it;
// unset settings are left to its defaults, which are Cloudflare's.
type queueSettings struct {
	Consumer        string   `json:"consumer"`
	MaxBatchSize    *int     `json:"maxBatchSize,omitempty"`
	MaxBatchTimeout *float64 `json:"maxBatchTimeout,omitempty"`
	MaxRetries      *int     `json:"maxRetries,omitempty"`
	DeadLetterQueue string   `json:"deadLetterQueue,omitempty"`
	RetryDelay      *int     `json:"retryDelay,omitempty"`
	MaxConcurrency  *int     `json:"maxConcurrency,omitempty"`
}

// queuesProcess adds the queues service when a worker of the process sends
// to or receives from a queue: every queue of the process lives there, and
// its consumer is a service binding to the worker that receives it.
func queuesProcess(ctx Context) error {
	consumers := map[string]queueSettings{}
	var bindings []string
	used := false
	for _, w := range ctx.Workers {
		q := w.Config.Queues
		if q == nil || (len(q.Producers) == 0 && len(q.Consumers) == 0) {
			continue
		}
		used = true
		name := "consumer:" + w.Service
		receives := false
		for _, cs := range q.Consumers {
			if cs.Type != "" && cs.Type != "worker" {
				continue
			}
			if prev, dup := consumers[cs.Queue]; dup {
				return fmt.Errorf("queue %q has two consumers (%s and %s): a queue's batches go to one worker", cs.Queue,
					prev.Consumer[len("consumer:"):], w.Service)
			}
			consumers[cs.Queue] = queueSettings{
				Consumer: name, MaxBatchSize: cs.MaxBatchSize, MaxBatchTimeout: cs.MaxBatchTimeout, MaxRetries: cs.MaxRetries,
				DeadLetterQueue: cs.DeadLetterQueue, RetryDelay: cs.RetryDelay, MaxConcurrency: cs.MaxConcurrency,
			}
			receives = true
		}
		if receives {
			bindings = append(bindings, workerd.NewStruct().Text("name", name).Text("service", w.Service).String())
		}
	}
	if !used {
		return nil
	}
	dir, err := ctx.storageDir("queues")
	if err != nil {
		return err
	}
	j, err := json.Marshal(consumers)
	if err != nil {
		return err
	}
	bindings = append([]string{
		workerd.NewStruct().Text("name", "SHARD").Set("durableObjectNamespace", workerd.NewStruct().Text("className", queuesClass).String()).String(),
		workerd.NewStruct().Text("name", "CONSUMERS").Set("json", workerd.Quote(string(j))).String(),
	}, bindings...)
	if ctx.TestClock {
		bindings = append(bindings, testClock)
		ctx.Services.Clock(queuesService)
	}
	ctx.Services.Add(bundledWorker(queuesService, "/workerd/queues.js", queuesClass, queuesService+"-storage",
		[]string{"service_binding_extra_handlers"}, bindings...))
	ctx.Services.Add(diskService(queuesService+"-storage", dir))
	return nil
}

// testClock is the TEST_CLOCK binding of a bundled module.
var testClock = workerd.NewStruct().Text("name", "TEST_CLOCK").Set("json", workerd.Quote("true")).String()

// queueShards is how many shards a queue may have (the module's SHARDS):
// a queue's messages are in the objects named <queue>#0 to #1023.
const queueShards = 1024

// queueState counts the messages a queue holds: waiting, out with its
// consumer, or on their way to its dead letter queue.
func queueState(b Binding, ctx Context) (string, error) {
	total := 0
	for n := 0; n < queueShards; n++ {
		db, ok, err := openRead(objectFile(ctx.PersistTo, "queues", queuesClass, b.ID+"#"+strconv.Itoa(n)))
		if err != nil {
			return "", fmt.Errorf("queue %s: %w", b.ID, err)
		}
		if !ok {
			continue
		}
		var k int
		err = db.QueryRow(`SELECT count(*) FROM messages`).Scan(&k)
		db.Close()
		if err != nil {
			return "", fmt.Errorf("queue %s: %w", b.ID, err)
		}
		total += k
	}
	return fmt.Sprintf("%d queued", total), nil
}
