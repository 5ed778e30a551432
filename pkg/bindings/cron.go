package bindings

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// cronTriggers are `triggers.crons`, run on their schedule by workerd's
// bundled cron (`/workerd/cron.js`): a schedule per worker, a Durable
// Object whose alarm is the next run, under PersistTo/cron, so that a run
// is neither lost nor repeated across restarts and deploys. Not in env;
// one dashboard row per worker, with the next run.
var cronTriggers = &Kind{
	Name:  "cron",
	Order: 25,
	List: func(c *config.Config, _ []string) []Binding {
		if c.Triggers == nil || len(c.Triggers.Crons) == 0 {
			return nil
		}
		return []Binding{{Name: strings.Join(c.Triggers.Crons, ", "), ID: scheduleName(c)}}
	},
	State:   cronState,
	Data:    func(Binding) string { return "cron triggers (their schedule)" },
	Process: cronProcess,
}

const (
	cronService = "valet-cron"
	cronClass   = "Schedule"
)

// scheduleName names a worker's schedule: its binding in the cron service
// (a service binding to the worker) and its Durable Object.
func scheduleName(c *config.Config) string {
	name := c.Name
	if name == "" {
		name = "worker"
	}
	return "cron:" + name
}

// cronProcess adds the cron service when a worker of the process has cron
// triggers, unless ctx.NoCrons. workerd sends the service a scheduled event
// at start, which arms each schedule.
func cronProcess(ctx Context) error {
	if ctx.NoCrons {
		return nil
	}
	crons := map[string][]string{}
	var bindings []string
	for _, w := range ctx.Workers {
		t := w.Config.Triggers
		if t == nil || len(t.Crons) == 0 {
			continue
		}
		name := scheduleName(w.Config)
		crons[name] = t.Crons
		bindings = append(bindings, workerd.NewStruct().Text("name", name).Text("service", w.Service).String())
	}
	if len(crons) == 0 {
		return nil
	}
	dir, err := ctx.storageDir("cron")
	if err != nil {
		return err
	}
	j, err := json.Marshal(crons)
	if err != nil {
		return err
	}
	bindings = append([]string{
		workerd.NewStruct().Text("name", "SCHEDULE").Set("durableObjectNamespace", workerd.NewStruct().Text("className", cronClass).String()).String(),
		workerd.NewStruct().Text("name", "CRONS").Set("json", workerd.Quote(string(j))).String(),
	}, bindings...)
	if ctx.TestClock {
		bindings = append(bindings, testClock)
		ctx.Services.Clock(cronService)
	}
	ctx.Services.Add(bundledWorker(cronService, "/workerd/cron.js", cronClass, cronService+"-storage",
		[]string{"service_binding_extra_handlers"}, bindings...))
	ctx.Services.Add(diskService(cronService+"-storage", dir))
	return nil
}

// cronState is when the schedule runs next: its alarm, as workerd's alarm
// scheduler keeps it.
func cronState(b Binding, ctx Context) (string, error) {
	if ctx.NoCrons {
		return "off (--no-crons)", nil
	}
	db, ok, err := openRead(filepath.Join(ctx.PersistTo, "cron", cronClass, "metadata.sqlite"))
	if err != nil || !ok {
		return "not scheduled yet", err
	}
	defer db.Close()
	var ns int64
	err = db.QueryRow(`SELECT scheduled_time FROM _cf_ALARM WHERE actor_name = ?`, b.ID).Scan(&ns)
	if errors.Is(err, sql.ErrNoRows) {
		return "not scheduled", nil
	}
	if err != nil {
		return "", fmt.Errorf("cron schedule %s: %w", b.ID, err)
	}
	return "next " + formatNext(time.Unix(0, ns).UTC()), nil
}

// formatNext writes a run's time in UTC, the crons' zone: the time alone
// within a day, with the date further off.
func formatNext(t time.Time) string {
	if time.Until(t) < 24*time.Hour {
		return t.Format("15:04 UTC")
	}
	return t.Format("Mon 2 Jan 15:04 UTC")
}
