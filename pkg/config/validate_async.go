package config

import "strings"

// checkAsyncBindings validates queues, workflows, service bindings and cron
// triggers in one config section: binding names, one consumer per queue
// (the queue's batches go to one worker), a dead letter queue that is not
// the queue itself, Workflow names used once, and five-field crons.
func (d *decoder) checkAsyncBindings(c *Config, p func(string) string) {
	if q := c.Queues; q != nil {
		for i, b := range q.Producers {
			d.checkIdentifier(b.Binding, index(p("queues.producers"), i)+".binding", true)
		}
		consumed := map[string]string{}
		for i, cs := range q.Consumers {
			cp := index(p("queues.consumers"), i)
			if cs.Queue == "" {
				continue
			}
			if first, dup := consumed[cs.Queue]; dup {
				d.errorf(d.nodeAt(cp+".queue"), "a queue has one consumer: remove one of them",
					"%squeue %q already has a consumer (%s)", at(cp+".queue"), cs.Queue, first)
				continue
			}
			consumed[cs.Queue] = cp
			if cs.DeadLetterQueue == cs.Queue {
				d.errorf(d.nodeAt(cp+".dead_letter_queue"), "name another queue, e.g. \""+cs.Queue+"-dlq\"",
					"%squeue %q cannot be its own dead letter queue", at(cp+".dead_letter_queue"), cs.Queue)
			}
		}
	}
	names := map[string]string{}
	for i, w := range c.Workflows {
		wp := index(p("workflows"), i)
		d.checkIdentifier(w.Binding, wp+".binding", true)
		if w.Name == "" {
			continue
		}
		if first, dup := names[w.Name]; dup {
			d.errorf(d.nodeAt(wp+".name"), "give each Workflow its own name",
				"%sWorkflow %q is already declared (%s)", at(wp+".name"), w.Name, first)
			continue
		}
		names[w.Name] = wp
	}
	for i, s := range c.Services {
		d.checkIdentifier(s.Binding, index(p("services"), i)+".binding", true)
	}
	if c.Triggers != nil {
		for i, cron := range c.Triggers.Crons {
			if n := len(strings.Fields(cron)); n != 5 {
				cp := index(p("triggers.crons"), i)
				d.errorf(d.nodeAt(cp), `use minute hour day-of-month month day-of-week, in UTC, e.g. "*/5 * * * *"`,
					"%scron trigger %q has %d fields, not 5", at(cp), cron, n)
			}
		}
	}
}
